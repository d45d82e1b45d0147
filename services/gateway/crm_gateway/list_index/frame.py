"""One app's list index: an immutable Polars snapshot of every customer's list columns (pure, no I/O).

A snapshot holds, per customer, the columns lists filter, search, sort and count on, and the list row itself
(the stored document minus its big arrays) as BSON bytes, so a page never reads MongoDB.  Snapshots are never
changed: `AppSnapshot.apply` returns a new one, and readers keep the one they started with.

Orders are exactly MongoDB's (`docs/list-index.md`): every sort column is turned into an order-preserving
value (strings as they are, dates as epoch milliseconds, decimals as an order-preserving text, see
`decimal_key`), null lower than every value, and each sort column and `_id` get an Int64 *order key*:
numbers that sort as the values do, with gaps between them.  A page in either direction, ties broken by `_id`
as MongoDB's `(column, _id)` sort does, is one `top_k` / `bottom_k` on (column key, _id key), and a keyset
cursor is one comparison on them.  New values take a number in the gap between their neighbours, so applying a
batch of changes touches only the changed rows (`OrderKeys`); a field is renumbered only when a gap is used up.
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
from crm_shared.customer_filter import BUILT_IN_SEGMENTS, STATUSES

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
        high, low = value.__getstate__()  # the two 64-bit halves; finite values in the usual form read directly
        if high & _FORM != _FORM:
            exponent = ((high >> 49) & 0x3FFF) - _EXPONENT_BIAS
            return _finite_key(bool(high & _SIGN), ((high & _COEFFICIENT_HIGH) << 64) | low, exponent)
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
    return _finite_key(bool(sign), int("".join(map(str, digits)) or "0"), exp)


def _finite_key(negative: bool, coefficient: int, exponent: int) -> str:
    if coefficient == 0:
        return "3"
    while coefficient % 10 == 0:
        coefficient //= 10
        exponent += 1
    digits = str(coefficient)
    e = len(digits) + exponent - 1  # scientific exponent
    if not negative:
        return f"4{e + 50000:06d}{digits}"
    return f"2{50000 - e:06d}{digits.translate(_NINES)}~"


_FORM = 3 << 61  # Decimal128's "11" combination bits: infinity, NaN or a non-canonical large coefficient
_SIGN = 1 << 63
_COEFFICIENT_HIGH = (1 << 49) - 1
_EXPONENT_BIAS = 6176
_NINES = str.maketrans("0123456789", "9876543210")


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
    """The index column holding a sort field's order key (see `OrderKeys`)."""
    return f"r_{field_name}"


ID_KEY = "r__id"
NULL_KEY = -1  # the order key of null (ranked fields); keys of values are >= 0
NULL_DATE_KEY = -(2**63)  # the order key of a null date (dates key by their milliseconds)
STRIDE = 1 << 20  # gap between consecutive order keys when a field is (re)numbered


SCHEMA: dict[str, Any] = {
    "_id": pl.String,
    "is_test": pl.Boolean,
    "paid": pl.Boolean,
    "status": pl.Enum(list(STATUSES)),  # dictionary-encoded: filters and facets compare small integers
    "plan": pl.Categorical,
    "country": pl.Categorical,
    "currency": pl.Categorical,
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
_PLAIN = {"status", "plan", "country", "currency", "_id"}


def value_column(field_name: str) -> str:
    """The column a sort field's (or `_id`'s) order-preserving value lives in."""
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
    for name in _PLAIN - {"_id"}:
        out[name] = _string(doc.get(name))
    for name in DECIMAL_FIELDS:
        out[sort_column(name)] = decimal_key(doc.get(name))
    for name in DATE_FIELDS:
        out[sort_column(name)] = datetime_ms(doc.get(name))
    if not isinstance(out["_id"], str):
        raise IndexDataError(f"customer _id is not a string: {out['_id']!r}")
    return out


def frame_of(rows: Iterable[dict[str, Any]]) -> pl.DataFrame:
    """A DataFrame of `row_values` dicts (no order keys yet)."""
    rows = list(rows)
    if not rows:
        return pl.DataFrame(schema=SCHEMA)
    return pl.DataFrame({name: [r[name] for r in rows] for name in SCHEMA}, schema=SCHEMA)


@dataclass(frozen=True)
class OrderKeys:
    """The order keys of one ranked field: its known values, sorted, and their strictly increasing keys.

    A superset of the values present is fine (a value that left stays until the field is renumbered): keys only
    need to sort as the values do."""

    values: pl.Series
    keys: pl.Series

    @classmethod
    def number(cls, column: pl.Series) -> tuple[OrderKeys, pl.Series]:
        """Keys for every distinct value of `column`, and the column's keys (null → NULL_KEY)."""
        values = column.drop_nulls().unique().sort()
        keys = pl.int_range(0, values.len(), dtype=pl.Int64, eager=True) * STRIDE
        ok = cls(values=values, keys=keys)
        return ok, ok.lookup(column)

    def lookup(self, column: pl.Series) -> pl.Series:
        """Keys of known values (null → NULL_KEY)."""
        if self.values.len() == 0:
            return pl.Series(column.name, [NULL_KEY] * column.len(), dtype=pl.Int64)
        pos = self.values.search_sorted(column.fill_null(self.values[0]), side="left")
        keys = self.keys.gather(pos.clip(0, self.values.len() - 1))
        return pl.select(pl.when(column.is_null()).then(pl.lit(NULL_KEY, pl.Int64)).otherwise(keys)).to_series()

    def with_values(self, new: pl.Series) -> OrderKeys | None:
        """These keys plus keys for the values of `new` not known yet; None when a gap is used up."""
        fresh = new.drop_nulls().unique().sort()
        if fresh.len() == 0:
            return self
        n = self.values.len()
        if n:
            pos = self.values.search_sorted(fresh, side="left")
            known = (pos < n) & (self.values.gather(pos.clip(0, n - 1)) == fresh)
            fresh = fresh.filter(~known)
            if fresh.len() == 0:
                return self
            pos = self.values.search_sorted(fresh, side="left")
        else:
            pos = pl.Series([0] * fresh.len(), dtype=pl.UInt32)
        keys_list = self.keys.to_list()
        out_keys: list[int] = []
        groups: dict[int, int] = {}
        for p in pos.to_list():
            groups[p] = groups.get(p, 0) + 1
        for p, m in groups.items():
            below = keys_list[p - 1] if p > 0 else -1
            above = keys_list[p] if p < n else (below + (m + 1) * STRIDE)
            if above - below <= m:
                return None
            step = (above - below) / (m + 1)
            out_keys.extend(below + int(step * (j + 1)) for j in range(m))
        values = pl.concat([self.values, fresh]).sort()
        keys = pl.concat([self.keys, pl.Series(out_keys, dtype=pl.Int64)]).sort()
        return OrderKeys(values=values, keys=keys)

    def bounds(self, value: Any) -> tuple[int, int]:
        """How many known values are < `value`, and how many are <= it."""
        if self.values.len() == 0:
            return 0, 0
        return (int(self.values.search_sorted(value, side="left")),  # type: ignore[arg-type]
                int(self.values.search_sorted(value, side="right")))  # type: ignore[arg-type]

    def key_at(self, i: int) -> int:
        return int(self.keys[i])

    def __len__(self) -> int:
        return self.values.len()


RANKED = [name for name in SORT_FIELDS.values() if name not in DATE_FIELDS]


def _text(column: pl.Series) -> pl.Series:
    """Dictionary-encoded columns as text: order keys follow the values' text order, as MongoDB sorts them."""
    return column.cast(pl.String) if column.dtype != pl.String else column


def _date_key(field_name: str) -> pl.Expr:
    return pl.col(sort_column(field_name)).fill_null(NULL_DATE_KEY).alias(key_column(field_name))


@dataclass(frozen=True)
class AppSnapshot:
    """One app's customers at one moment: the frame plus the order keys cursors find their place with."""

    app_id: str
    frame: pl.DataFrame
    order: dict[str, OrderKeys] = field(repr=False)  # ranked sort fields and "_id"
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
        """Number every field of `base` (columns of `SCHEMA`; one row per _id) from scratch."""
        base = base.select(list(SCHEMA))
        if base["_id"].n_unique() != base.height:
            raise IndexDataError("duplicate customer _id in the index")
        order: dict[str, OrderKeys] = {}
        cols = []
        for name in [*RANKED, "_id"]:
            ok, keys = OrderKeys.number(_text(base[value_column(name)]))
            order[name] = ok
            cols.append(keys.alias(key_column(name)))
        frame = base.with_columns(cols).with_columns([_date_key(n) for n in DATE_FIELDS if n in SORT_FIELDS.values()])
        return cls._of(app_id, frame, order)

    @classmethod
    def _of(cls, app_id: str, frame: pl.DataFrame, order: dict[str, OrderKeys]) -> AppSnapshot:
        frame = frame.drop("_pos", strict=False).with_row_index("_pos")
        max_computed = frame[sort_column("computed_at")].max()
        return cls(app_id=app_id, frame=frame, order=order, has_odd_terms=bool(frame["terms_odd"].any()),
                   max_computed_ms=int(max_computed) if max_computed is not None else None)  # type: ignore[arg-type]

    def apply(self, changes: Mapping[str, Mapping[str, Any] | None]) -> AppSnapshot:
        """A new snapshot with `changes` applied: _id → the new stored document, or None when deleted.

        Only the changed rows get new keys; a field whose gap is used up (or whose known values have grown to
        twice the rows) is renumbered."""
        if not changes:
            return self
        ids = list(changes)
        kept = self.frame.drop("_pos").filter(~pl.col("_id").is_in(ids))
        new = frame_of(row_values(d) for d in changes.values() if d is not None)
        order = dict(self.order)
        new_cols = []
        for name in [*RANKED, "_id"]:
            col = value_column(name)
            old_values, new_values = _text(kept[col]), _text(new[col])
            grown = order[name].with_values(new_values)
            if grown is None or len(grown) > 2 * (kept.height + new.height) + 1024:
                ok, _ = OrderKeys.number(pl.concat([old_values, new_values]))
                kept = kept.with_columns(ok.lookup(old_values).alias(key_column(name)))
                grown = ok
            order[name] = grown
            new_cols.append(grown.lookup(new_values).alias(key_column(name)))
        new = new.with_columns(new_cols).with_columns(
            [_date_key(n) for n in DATE_FIELDS if n in SORT_FIELDS.values()])
        frame = pl.concat([kept, new.select(kept.columns)], how="vertical") if new.height else kept
        return AppSnapshot._of(self.app_id, frame, order)


def to_value(field_name: str, value: Any) -> Any:
    """A cursor's sort value in the field's order-preserving form (None stays None)."""
    if field_name in DECIMAL_FIELDS:
        return decimal_key(value)
    if field_name in DATE_FIELDS:
        return datetime_ms(value)
    return _string(value)
