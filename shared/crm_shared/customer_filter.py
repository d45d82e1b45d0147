"""Customer list filters and search, translated to MongoDB queries (pure).

`build_query(app_id, filter, now)` turns a `CustomerFilterInput` written as a
snake_case dict (the shape `saved_segments.filter` stores) into a query on the
`customers` collection.  The gateway uses it for lists, counts and the CSV
export; the analytics worker uses it to evaluate saved segments.  No I/O.

Rules (docs/customer-rules.md, Lists): test shops are left out unless ``include_test``; every
range is inclusive; MRR bounds compare numbers in each customer's own
currency (``last_paid_mrr_min``/``max`` likewise on the pre-churn MRR, which
never matches a shop that never paid); list filters match any of the given values; a ``segment`` filter
matches the segment keys stored on the customer.

`search_query(text)` is the search-as-you-type clause: every whitespace
separated word of `text`, lower-cased, must be a prefix of one of the
customer's `search_terms` (words of the shop name, the whole domain, the whole
email).  It is a range on the multikey `search_terms` index, never `$regex`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from bson import Decimal128

from crm_shared.errors import UserInputError

STATUSES = ("ACTIVE", "TRIAL", "FROZEN", "CANCELLED", "UNINSTALLED", "FREE")
BUILT_IN_SEGMENTS = ("VIP", "AT_RISK", "GROWTH", "NEW")
SAVED_PREFIX = "saved:"
FILTER_KEYS = frozenset(
    {
        "status", "plan", "paid", "country", "mrr_min", "mrr_max", "last_paid_mrr_min", "last_paid_mrr_max",
        "installed_from", "installed_to",
        "last_active_from", "last_active_to", "segment", "include_test",
    }
)
MAX_LIST_VALUES = 100
MAX_SEARCH_WORDS = 5
MAX_SEARCH_LENGTH = 100


@dataclass(frozen=True)
class ParsedFilter:
    """A validated filter: what `build_query` renders for MongoDB and the gateway's list index for Polars.

    Ranges are dicts of ``$gte`` / ``$lte`` bounds (inclusive); `countries` are upper-cased."""

    statuses: list[str] | None = None
    plans: list[str] | None = None
    countries: list[str] | None = None
    paid: bool | None = None
    mrr: dict[str, Decimal] = field(default_factory=dict)
    last_paid_mrr: dict[str, Decimal] = field(default_factory=dict)
    installed_at: dict[str, datetime] = field(default_factory=dict)
    last_active_at: dict[str, datetime] = field(default_factory=dict)
    segment: str | None = None
    include_test: bool = False


def parse_filter(filter: dict[str, Any] | None) -> ParsedFilter:
    """Validate a filter dict.  Raises `UserInputError` for an unknown key, an unknown status,
    ``mrr_min > mrr_max`` or an inverted date range."""
    f = dict(filter or {})
    unknown = set(f) - FILTER_KEYS
    if unknown:
        raise UserInputError(f"unknown filter field(s): {', '.join(sorted(unknown))}")
    statuses = _string_list(f, "status")
    if statuses is not None:
        bad = [s for s in statuses if s not in STATUSES]
        if bad:
            raise UserInputError(f"unknown status {bad[0]!r}; expected one of {', '.join(STATUSES)}")
    plans = _string_list(f, "plan")
    countries = _string_list(f, "country")
    if f.get("paid") is not None and not isinstance(f["paid"], bool):
        raise UserInputError("paid must be a boolean")
    mrr_range = _range(_decimal(f.get("mrr_min"), "mrrMin"), _decimal(f.get("mrr_max"), "mrrMax"), "mrrMin", "mrrMax")
    paid_range = _range(_decimal(f.get("last_paid_mrr_min"), "lastPaidMrrMin"),
                        _decimal(f.get("last_paid_mrr_max"), "lastPaidMrrMax"), "lastPaidMrrMin", "lastPaidMrrMax")
    dates: dict[str, dict[str, datetime]] = {}
    for name, lo_key, hi_key, lo_name, hi_name in (
        ("installed_at", "installed_from", "installed_to", "installedFrom", "installedTo"),
        ("last_active_at", "last_active_from", "last_active_to", "lastActiveFrom", "lastActiveTo"),
    ):
        dates[name] = _range(_datetime(f.get(lo_key), lo_name), _datetime(f.get(hi_key), hi_name), lo_name, hi_name)
    segment = f.get("segment")
    return ParsedFilter(
        statuses=statuses,
        plans=plans,
        countries=[c.upper() for c in countries] if countries is not None else None,
        paid=f.get("paid"),
        mrr=mrr_range,
        last_paid_mrr=paid_range,
        installed_at=dates["installed_at"],
        last_active_at=dates["last_active_at"],
        segment=validate_segment_key(segment) if segment is not None else None,
        include_test=bool(f.get("include_test")),
    )


def build_query(app_id: str, filter: dict[str, Any] | None, now: datetime) -> dict[str, Any]:
    """The `customers` query for `filter` within one app.

    `now` is the clock the filter is read at; it must be an aware datetime and
    bounds nothing by itself today (status, segments and MRR are read as the
    analytics worker stored them at `computed_at`), but callers pass it so
    clock-relative filters keep one signature.  Raises `UserInputError` as
    `parse_filter` does.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    p = parse_filter(filter)
    clauses: list[dict[str, Any]] = [{"app_id": app_id}]
    if not p.include_test:
        clauses.append({"is_test": False})
    if p.statuses is not None:
        clauses.append({"status": {"$in": p.statuses}})
    if p.plans is not None:
        clauses.append({"plan": {"$in": p.plans}})
    if p.countries is not None:
        clauses.append({"country": {"$in": p.countries}})
    if p.paid is not None:
        clauses.append({"paid": p.paid})
    if p.mrr:
        clauses.append({"mrr": {op: Decimal128(v) for op, v in p.mrr.items()}})
    if p.last_paid_mrr:
        clauses.append({"last_paid_mrr": {op: Decimal128(v) for op, v in p.last_paid_mrr.items()}})
    if p.installed_at:
        clauses.append({"installed_at": p.installed_at})
    if p.last_active_at:
        clauses.append({"last_active_at": p.last_active_at})
    if p.segment is not None:
        clauses.append({"segments": p.segment})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def validate_segment_key(key: object) -> str:
    """A built-in segment key or ``saved:<slug>``; anything else is bad input."""
    if not isinstance(key, str) or not key:
        raise UserInputError("segment must be a non-empty string")
    if key in BUILT_IN_SEGMENTS:
        return key
    if key.startswith(SAVED_PREFIX) and len(key) > len(SAVED_PREFIX) and len(key) <= 100:
        return key
    raise UserInputError(f"unknown segment {key!r}; expected {', '.join(BUILT_IN_SEGMENTS)} or saved:<slug>")


def search_words(text: str | None) -> list[str]:
    """The lower-cased words of a search string (empty for no search)."""
    if text is None:
        return []
    if len(text) > MAX_SEARCH_LENGTH:
        raise UserInputError(f"search is limited to {MAX_SEARCH_LENGTH} characters")
    words = [w for w in text.lower().split() if w]
    if len(words) > MAX_SEARCH_WORDS:
        raise UserInputError(f"search is limited to {MAX_SEARCH_WORDS} words")
    return words


def prefix_range(prefix: str) -> dict[str, str]:
    """``{"$gte": prefix, "$lt": <next string>}``: every string starting with `prefix`."""
    return {"$gte": prefix, "$lt": prefix + "\U0010ffff"}


def search_query(text: str | None) -> dict[str, Any] | None:
    """The clause matching `text` as prefixes of `search_terms`, or None."""
    words = search_words(text)
    if not words:
        return None
    # $elemMatch: both bounds must hold for the same array element (a bare range on an array
    # field may be satisfied by two different elements), and it keeps the multikey index bounds tight.
    clauses = [{"search_terms": {"$elemMatch": prefix_range(w)}} for w in words]
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def combine(*queries: dict[str, Any] | None) -> dict[str, Any]:
    """AND of the given queries (None ones skipped)."""
    parts = [q for q in queries if q]
    if not parts:
        return {}
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _string_list(f: dict[str, Any], key: str) -> list[str] | None:
    value = f.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise UserInputError(f"{key} must be a list of strings")
    if len(value) > MAX_LIST_VALUES:
        raise UserInputError(f"{key} accepts at most {MAX_LIST_VALUES} values")
    return list(value)


def _decimal(value: object, name: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, Decimal128):
        value = value.to_decimal()
    if isinstance(value, bool) or isinstance(value, float):
        raise UserInputError(f"{name} must be a decimal string, not a float")
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation as exc:
        raise UserInputError(f"{name} is not a decimal number: {value!r}") from exc
    if not result.is_finite():
        raise UserInputError(f"{name} must be a finite number")
    return result


def _datetime(value: object, name: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise UserInputError(f"{name} is not an ISO-8601 date-time: {value!r}") from exc
    if not isinstance(value, datetime):
        raise UserInputError(f"{name} must be a date-time")
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _range(lo: Any, hi: Any, lo_name: str, hi_name: str) -> dict[str, Any]:
    if lo is not None and hi is not None and lo > hi:
        raise UserInputError(f"{lo_name} must not be greater than {hi_name}")
    out: dict[str, Any] = {}
    if lo is not None:
        out["$gte"] = lo
    if hi is not None:
        out["$lte"] = hi
    return out
