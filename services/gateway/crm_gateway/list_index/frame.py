"""One app's list index: an immutable Polars snapshot of every customer's list columns (pure, no I/O).

A snapshot holds, per customer, the columns lists filter, search, sort and count on, and the list row itself
(the stored document minus its big arrays) as BSON bytes, so a page never reads MongoDB.  Snapshots are never
changed: `AppSnapshot.apply` returns a new one, and readers keep the one they started with.

Orders are exactly MongoDB's (`docs/list-index.md`): every sort column is turned into an order-preserving
Polars value (strings as they are, dates as epoch milliseconds, decimals as an order-preserving text, see
`decimal_key`), null is lower than every value, and each sort column gets a precomputed Int64 key

    k = (dense rank of the value, null = 0) * M + rank of _id          (M = rows + 1)

so a page in either direction, ties broken by `_id` as MongoDB's `(column, _id)` sort does, is one `top_k` /
`bottom_k` on one integer column, and a keyset cursor is one comparison on it.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import bson
import polars as pl
from bson import Decimal128

from crm_gateway.sorting import SORT_FIELDS
from crm_shared.customer_filter import BUILT_IN_SEGMENTS

# What a list row carries: the stored document minus what only a profile shows (loaded by id when asked).
ROW_EXCLUDED = ("timeline", "mrr_history", "search_terms", "lifetime_by_currency", "charges")
# The projection of the one scan that loads an app (the row plus the search terms).
LOAD_PROJECTION = {k: 0 for k in ROW_EXCLUDED if k != "search_terms"}

DECIMAL_FIELDS = ("mrr", "lifetime_value", "last_paid_mrr")
DATE_FIELDS = ("installed_at", "last_active_at", "computed_at")
STRING_FIELDS = ("name_lc", "domain_lc", "email_lc", "status", "plan", "country", "currency")
CATEGORIES = ("status", "plan", "country", "currency")  # facet dimensions
TERM_SEPARATOR = "\x00"
PREFIX_END = "\U0010ffff"  # MongoDB's prefix range is [w, w + U+10FFFF)


class IndexDataError(ValueError):
    """A stored value the index cannot order exactly like MongoDB (the app stays on the MongoDB path)."""


def decimal_key(value: Any) -> str | None:
    """An ASCII text whose byte order is the numeric order of `value` (Decimal128 / Decimal / int), or None.

    Numerically equal values (1.5 and 1.50) get the same text.  NaN < -Infinity < negatives < 0 < positives <
    +Infinity, as MongoDB orders decimals."""
    if value is None:
        return None
    if isinstance(value, Decimal128):
        value = value.to_decimal()
    elif isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise IndexDataError(f"not a decimal: {value!r}")
    d = Decimal(value)
    if d.is_nan():
        return "0"
    if d.is_infinite():
        return "1" if d < 0 else "5"
    sign, digits, exp = d.as_tuple()
    assert isinstance(exp, int)
    ds = list(digits)
    while len(ds) > 1 and ds[-1] == 0:
        ds.pop()
        exp += 1
    if ds == [0]:
        return "3"
    while ds and ds[0] == 0:  # as_tuple never leads with zeros, but be safe
        ds.pop(0)
    e = len(ds) + exp - 1  # scientific exponent
    mantissa = "".join(map(str, ds))
    if not sign:
        return f"4{e + 50000:06d}{mantissa}"
    return f"2{50000 - e:06d}{''.join(str(9 - x) for x in ds)}~"


def datetime_ms(value: Any) -> int | None:
    """Epoch milliseconds as BSON stores a datetime (aware or naive UTC), or None."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise IndexDataError(f"not a date: {value!r}")
    offset = value.utcoffset()
    utc = value - offset if offset is not None else value
    return calendar.timegm(utc.timetuple()) * 1000 + utc.microsecond // 1000


def _string(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise IndexDataError(f"not a string: {value!r}")


def sort_column(field_name: str) -> str:
    """The index column holding a sort field's order-preserving value."""
    return f"v_{field_name}"


def key_column(field_name: str) -> str:
    """The index column holding a sort field's precomputed (value, _id) key."""
    return f"k_{field_name}"


SCHEMA: dict[str, Any] = {
    "_id": pl.String,
    "is_test": pl.Boolean,
    "paid": pl.Boolean,
    "status": pl.String,
    "plan": pl.String,
    "country": pl.String,
    "currency": pl.String,
    "v_mrr": pl.String,
    "v_lifetime_value": pl.String,
    "v_last_paid_mrr": pl.String,
    "v_installed_at": pl.Int64,
    "v_last_active_at": pl.Int64,
    "v_computed_at": pl.Int64,
    "v_name_lc": pl.String,
    "v_domain_lc": pl.String,
    "v_email_lc": pl.String,
    "segments": pl.List(pl.String),
    **{f"seg_{s}": pl.Boolean for s in BUILT_IN_SEGMENTS},
    "terms": pl.String,
    "terms_odd": pl.Boolean,
    "terms_list": pl.List(pl.String),
    "row": pl.Binary,
}
# Sort fields whose order-preserving value is the plain column (status, plan, country).
_PLAIN = {"status", "plan", "country", "currency"}


def value_column(field_name: str) -> str:
    """The column a sort field's order-preserving value lives in."""
    return field_name if field_name in _PLAIN else sort_column(field_name)


def row_values(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The index columns of one stored customer document."""
    terms = [t for t in doc.get("search_terms") or [] if isinstance(t, str)]
    segments = [s for s in doc.get("segments") or [] if isinstance(s, str)]
    row_doc = {k: v for k, v in doc.items() if k not in ROW_EXCLUDED}
    odd = any(TERM_SEPARATOR in t or PREFIX_END in t for t in terms)
    out: dict[str, Any] = {
        "_id": doc["_id"],
        "is_test": doc.get("is_test") if isinstance(doc.get("is_test"), bool) else None,
        "paid": doc.get("paid") if isinstance(doc.get("paid"), bool) else None,
        "v_name_lc": _string(doc.get("name_lc")),
        "v_domain_lc": _string(doc.get("domain_lc")),
        "v_email_lc": _string(doc.get("email_lc")),
        "segments": segments,
        **{f"seg_{s}": s in segments for s in BUILT_IN_SEGMENTS},
        "terms": TERM_SEPARATOR + TERM_SEPARATOR.join(terms) if terms else "",
        # a term holding the separator or U+10FFFF is matched from its list instead (rare; exact either way)
        "terms_odd": odd,
        "terms_list": terms if odd else None,
        "row": bson.encode(row_doc),
    }
    for name in _PLAIN:
        out[name] = _string(doc.get(name))
    for name in DECIMAL_FIELDS:
        out[sort_column(name)] = decimal_key(doc.get(name))
    for name in DATE_FIELDS:
        out[sort_column(name)] = datetime_ms(doc.get(name))
    if not isinstance(out["_id"], str):
        raise IndexDataError(f"customer _id is not a string: {out['_id']!r}")
    return out


def frame_of(rows: Iterable[dict[str, Any]]) -> pl.DataFrame:
    """A DataFrame of `row_values` dicts (no keys yet)."""
    rows = list(rows)
    if not rows:
        return pl.DataFrame(schema=SCHEMA)
    return pl.DataFrame({name: [r[name] for r in rows] for name in SCHEMA}, schema=SCHEMA)


@dataclass(frozen=True)
class AppSnapshot:
    """One app's customers at one moment: the frame plus what cursors need to find their place in it."""

    app_id: str
    frame: pl.DataFrame
    # sorted distinct non-null values of each sort field's value column, and of _id
    values: dict[str, pl.Series] = field(repr=False)
    ids: pl.Series = field(repr=False)
    max_computed_ms: int | None = None
    has_odd_terms: bool = False

    @property
    def height(self) -> int:
        return self.frame.height

    @property
    def nbytes(self) -> int:
        return int(self.frame.estimated_size())

    @classmethod
    def build(cls, app_id: str, docs: Iterable[Mapping[str, Any]]) -> AppSnapshot:
        """A snapshot of the app's stored customer documents."""
        return cls.from_frame(app_id, frame_of(row_values(d) for d in docs))

    @classmethod
    def from_frame(cls, app_id: str, base: pl.DataFrame) -> AppSnapshot:
        """Compute the keys of `base` (columns of `SCHEMA`; one row per _id)."""
        base = base.select(list(SCHEMA))
        ids = base["_id"].unique().sort()
        if ids.len() != base.height:
            raise IndexDataError("duplicate customer _id in the index")
        m = base.height + 1
        id_rank = pl.col("_id").rank("dense").cast(pl.Int64) - 1
        values: dict[str, pl.Series] = {}
        keys = []
        for name in SORT_FIELDS.values():
            col = value_column(name)
            values[name] = base[col].drop_nulls().unique().sort()
            rank = pl.col(col).rank("dense").cast(pl.Int64).fill_null(0)  # null lowest; values from 1
            keys.append((rank * m + id_rank).alias(key_column(name)))
        frame = base.with_columns(keys)
        max_computed = base[sort_column("computed_at")].max()
        return cls(app_id=app_id, frame=frame, values=values, ids=ids, has_odd_terms=bool(base["terms_odd"].any()),
                   max_computed_ms=int(max_computed) if max_computed is not None else None)  # type: ignore[arg-type]

    def apply(self, changes: Mapping[str, Mapping[str, Any] | None]) -> AppSnapshot:
        """A new snapshot with `changes` applied: _id → the new stored document, or None when deleted."""
        if not changes:
            return self
        ids = list(changes)
        new_rows = [row_values(d) for d in changes.values() if d is not None]
        kept = self.frame.select(list(SCHEMA)).filter(~pl.col("_id").is_in(ids))
        base = pl.concat([kept, frame_of(new_rows)], how="vertical") if new_rows else kept
        return AppSnapshot.from_frame(self.app_id, base)

    def value_bounds(self, field_name: str, value: Any) -> tuple[int, int]:
        """How many distinct non-null values of the field are < `value`, and how many are <= it."""
        series = self.values[field_name]
        if series.len() == 0:
            return 0, 0
        return (int(series.search_sorted(value, side="left")),  # type: ignore[arg-type]
                int(series.search_sorted(value, side="right")))  # type: ignore[arg-type]

    def id_position(self, id_: str, side: str) -> int:
        """Rank `_id` would take: bisect of the sorted ids (`side` left or right)."""
        return int(self.ids.search_sorted(id_, side=side))  # type: ignore[arg-type]


def to_value(field_name: str, value: Any) -> Any:
    """A cursor's sort value in the field's order-preserving form (None stays None)."""
    if field_name in DECIMAL_FIELDS:
        return decimal_key(value)
    if field_name in DATE_FIELDS:
        return datetime_ms(value)
    return _string(value)
