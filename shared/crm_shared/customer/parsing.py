"""Reading Partner API node values: times and money, each parsed once.

Partner API times are ISO-8601 UTC strings with second precision
(``2026-01-05T10:00:00Z``).  ``billingOn`` values are midnights shared by many
shops, so they go through a small memo; event times are parsed directly.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

_UTC = UTC
_fromisoformat = datetime.fromisoformat
_MEMO: dict[str, datetime] = {}
_MEMO_LIMIT = 50_000


def parse_time(value: str) -> datetime:
    """An aware UTC datetime from a Partner API ISO-8601 string (``Z`` or an offset)."""
    dt = _fromisoformat(value)
    if value[-1] == "Z":  # the Partner API's own form: already aware UTC
        return dt
    if dt.tzinfo is None:
        return dt.replace(tzinfo=_UTC)
    if dt.utcoffset():
        return dt.astimezone(_UTC)
    return dt


def parse_time_memo(value: str) -> datetime:
    """`parse_time` through a bounded memo, for values many shops share (billing dates)."""
    dt = _MEMO.get(value)
    if dt is None:
        if len(_MEMO) >= _MEMO_LIMIT:
            _MEMO.clear()
        dt = _MEMO[value] = parse_time(value)
    return dt


def as_utc(value: datetime | str | None) -> datetime | None:
    """Normalize a stored time (aware, naive-UTC or ISO string) to an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        return parse_time(value)
    if value.tzinfo is _UTC:  # the common case, without computing the offset
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=_UTC)
    return value.astimezone(_UTC) if value.utcoffset() else value


DECIMAL_MEMO: dict[str, Decimal] = {}


def decimal(value: str | int | float | Decimal) -> Decimal:
    """`Decimal` of a Partner API amount string, through a bounded memo (prices repeat)."""
    if isinstance(value, str):
        d = DECIMAL_MEMO.get(value)
        if d is None:
            if len(DECIMAL_MEMO) >= _MEMO_LIMIT:
                DECIMAL_MEMO.clear()
            d = DECIMAL_MEMO[value] = Decimal(value)
        return d
    return Decimal(str(value))


def money(value: dict[str, Any] | None) -> tuple[Decimal, str] | None:
    """``(amount, currency)`` of a Partner API ``Money`` object, or None when absent."""
    if not value:
        return None
    return decimal(value["amount"]), value["currencyCode"]
