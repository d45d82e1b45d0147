"""Reference answers computed in Python from the seeded documents (what the lists must return)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from bson import Decimal128

from crm_gateway.sorting import SORT_FIELDS


def _plain(value: Any) -> Any:
    return value.to_decimal() if isinstance(value, Decimal128) else value


def ordered(docs: list[dict[str, Any]], sort_field: str, ascending: bool) -> list[str]:
    """Customer `_id`s in list order: nulls first ascending, ties by `_id` (descending = exact reverse)."""
    column = SORT_FIELDS[sort_field]

    def key(d: dict[str, Any]) -> tuple[int, Any, str]:
        v = _plain(d.get(column))
        return (0, 0, d["_id"]) if v is None else (1, v, d["_id"])

    ids = [d["_id"] for d in sorted(docs, key=key)]
    return ids if ascending else ids[::-1]


def matching(docs: list[dict[str, Any]], pred: Callable[[dict[str, Any]], bool],
             include_test: bool = False) -> list[dict[str, Any]]:
    """The non-test documents (unless include_test) satisfying `pred`."""
    return [d for d in docs if (include_test or not d["is_test"]) and pred(d)]


def mrr(d: dict[str, Any]) -> Decimal:
    return d["mrr"].to_decimal()


def between(v: datetime | None, lo: datetime | None, hi: datetime | None) -> bool:
    if v is None:
        return False
    return (lo is None or v >= lo) and (hi is None or v <= hi)
