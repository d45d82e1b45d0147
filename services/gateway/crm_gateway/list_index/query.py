"""Lists, counts and facets answered from one `AppSnapshot` (pure: Polars expressions, no I/O).

Every rule is MongoDB's list query rendered for Polars (`crm_shared.customer_filter` parses the filter once for
both): filters AND-ed, test shops out unless asked, inclusive ranges, nulls never match a condition, search as
prefixes of the stored search terms, sort on (column, `_id`) with null lowest, keyset cursors shared with the
MongoDB path (same text, same query binding).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import bson
import polars as pl
from bson.codec_options import CodecOptions

from crm_gateway.list_index.frame import (
    DATE_FIELDS,
    ID_KEY,
    NULL_DATE_KEY,
    NULL_KEY,
    PREFIX_END,
    TERM_SEPARATOR,
    AppSnapshot,
    IndexDataError,
    datetime_ms,
    decimal_key,
    key_column,
    sort_column,
    to_value,
)
from crm_gateway.pagination.cursor import decode_cursor, encode_cursor
from crm_gateway.pagination.limits import PageRequest
from crm_gateway.sorting import Sort
from crm_shared.customer_filter import BUILT_IN_SEGMENTS, ParsedFilter
from crm_shared.errors import UserInputError


def filter_expr(p: ParsedFilter, drop: str | None = None) -> pl.Expr:
    """The Polars condition of one parsed filter; `drop` leaves one facet dimension out."""
    parts: list[pl.Expr] = []
    if not p.include_test:
        parts.append(~pl.col("is_test"))
    if p.statuses is not None and drop != "status":
        parts.append(pl.col("status").is_in(p.statuses))
    if p.plans is not None and drop != "plan":
        parts.append(pl.col("plan").is_in(p.plans))
    if p.countries is not None and drop != "country":
        parts.append(pl.col("country").is_in(p.countries))
    if p.paid is not None:
        parts.append(pl.col("paid") == pl.lit(p.paid))
    for name, bounds, convert in (
        ("mrr", p.mrr, decimal_key),
        ("last_paid_mrr", p.last_paid_mrr, decimal_key),
        ("installed_at", p.installed_at, datetime_ms),
        ("last_active_at", p.last_active_at, datetime_ms),
    ):
        col = pl.col(sort_column(name))
        if "$gte" in bounds:
            parts.append(col >= pl.lit(convert(bounds["$gte"])))
        if "$lte" in bounds:
            parts.append(col <= pl.lit(convert(bounds["$lte"])))
    if p.segment is not None and drop != "segment":
        parts.append(segment_expr(p.segment))
    return pl.all_horizontal(parts) if parts else pl.lit(True)


def segment_expr(key: str) -> pl.Expr:
    """Membership in the stored `segments` array."""
    if key in BUILT_IN_SEGMENTS:
        return pl.col(f"seg_{key}")
    return pl.col("segments").list.contains(pl.lit(key))


def search_expr(words: Sequence[str], odd_rows: bool) -> pl.Expr | None:
    """Every word a prefix of one of the search terms (MongoDB's range [w, w + U+10FFFF) per term)."""
    parts = []
    for w in words:
        if TERM_SEPARATOR in w or PREFIX_END in w:
            normal: pl.Expr = pl.lit(False)  # no ordinary term holds either character
        else:
            normal = pl.col("terms").str.contains(TERM_SEPARATOR + w, literal=True)
        if odd_rows:
            odd = pl.col("terms_list").list.eval((pl.element() >= w) & (pl.element() < w + PREFIX_END)).list.any()
            normal = pl.when(pl.col("terms_odd")).then(odd).otherwise(normal)
        parts.append(normal)
    return pl.all_horizontal(parts) if parts else None


@dataclass(frozen=True)
class Condition:
    """A list's whole condition on one snapshot: its filters (a saved segment adds its own) and search."""

    filters: tuple[ParsedFilter, ...]
    words: tuple[str, ...] = ()

    def expr(self, snap: AppSnapshot, drop: str | None = None) -> pl.Expr:
        """The condition; `drop` leaves a dimension out of the list's own filter (the first), as choosing
        another value in that dimension would (a saved segment's filter stays whole)."""
        parts = [filter_expr(p, drop if i == 0 else None) for i, p in enumerate(self.filters)]
        s = search_expr(self.words, snap.has_odd_terms)
        if s is not None:
            parts.append(s)
        return pl.all_horizontal(parts) if parts else pl.lit(True)


@dataclass
class IndexPage:
    """A page read from the index: rows as stored (decoded BSON), their cursors and the page flags."""

    rows: list[dict[str, Any]]
    cursors: list[str]
    has_next: bool
    has_previous: bool


def _after(snap: AppSnapshot, sort: Sort, ascending: bool, cursor: str, qhash: str) -> pl.Expr:
    """The rows strictly after the cursor's row in the walking order: (value, _id) beyond the cursor's."""
    pos = decode_cursor(cursor, qhash)
    if not isinstance(pos.id, str):
        raise UserInputError("malformed cursor")
    try:
        value = to_value(sort.field, pos.value)
    except IndexDataError as exc:
        raise UserInputError("malformed cursor") from exc
    rc, ic = pl.col(key_column(sort.field)), pl.col(ID_KEY)
    ids = snap.order["_id"]
    if ascending:
        lo, hi = ids.bounds(pos.id)
        id_beyond = ic >= ids.key_at(hi) if hi < len(ids) else pl.lit(False)
    else:
        lo, hi = ids.bounds(pos.id)
        id_beyond = ic <= ids.key_at(lo - 1) if lo > 0 else pl.lit(False)
    if sort.field in DATE_FIELDS:  # keyed by the value itself
        v = NULL_DATE_KEY if value is None else value
        return ((rc > v) | ((rc == v) & id_beyond)) if ascending else ((rc < v) | ((rc == v) & id_beyond))
    if value is None:
        return ((rc > NULL_KEY) | ((rc == NULL_KEY) & id_beyond)) if ascending else ((rc == NULL_KEY) & id_beyond)
    order = snap.order[sort.field]
    lo, hi = order.bounds(value)
    if hi > lo:  # a known value: its key, then the _id tie-break
        r0 = order.key_at(lo)
        return ((rc > r0) | ((rc == r0) & id_beyond)) if ascending else ((rc < r0) | ((rc == r0) & id_beyond))
    below = order.key_at(lo - 1) if lo > 0 else NULL_KEY  # the greatest known key under the value
    return rc > below if ascending else rc <= below


def page_plan(snap: AppSnapshot, cond: pl.Expr, sort: Sort, req: PageRequest, qhash: str) -> pl.LazyFrame | None:
    """The lazy query of a page's row positions (size + 1 of them, in walking order), or None for a 0-row page."""
    if req.size <= 0:
        return None
    ascending = sort.ascending != req.backward
    keys = [key_column(sort.field), ID_KEY]
    if req.cursor is not None:
        cond = cond & _after(snap, sort, ascending, req.cursor, qhash)
    lf = snap.frame.lazy().filter(cond).select([*keys, "_pos"])  # the row itself is gathered for the page only
    k = req.size + 1
    picked = lf.bottom_k(k, by=keys) if ascending else lf.top_k(k, by=keys)
    return picked.sort(keys, descending=not ascending).select("_pos")


def finish_page(snap: AppSnapshot, positions: pl.DataFrame | None, sort: Sort, req: PageRequest, qhash: str,
                codec_options: CodecOptions[Any]) -> IndexPage:
    """Decode a page's rows (with the database's codec options, as the driver would) and make their cursors,
    exactly as the MongoDB path does."""
    blobs = snap.frame["row"].gather(positions["_pos"]).to_list() if positions is not None else []
    rows = [bson.decode(b, codec_options) for b in blobs]
    more = len(rows) > req.size
    rows = rows[: req.size]
    if req.backward:
        rows.reverse()
    cursors = [encode_cursor(r.get(sort.field), r["_id"], qhash) for r in rows]
    return IndexPage(
        rows=rows,
        cursors=cursors,
        has_next=more if not req.backward else req.cursor is not None,
        has_previous=more if req.backward else req.cursor is not None,
    )


def count_plan(snap: AppSnapshot, cond: pl.Expr) -> pl.LazyFrame:
    return snap.frame.lazy().filter(cond).select(pl.len().alias("n"))


@dataclass
class Facets:
    """Counts per value of each dimension, each under every other active filter (see `facet_plans`)."""

    total: int
    status: list[tuple[str | None, int]]
    plan: list[tuple[str | None, int]]
    country: list[tuple[str | None, int]]
    currency: list[tuple[str | None, int]]
    segment: list[tuple[str | None, int]]


def facet_plans(
    snap: AppSnapshot, full: Condition, without_segment: Condition, saved: Sequence[Condition],
) -> list[pl.LazyFrame]:
    """Lazy queries of the facets: [total, status, plan, country, currency, built-in segments, saved...].

    `without_segment` is the list's condition without its segment filter (so also without a saved segment's
    own filter); `saved` holds, per saved segment, that condition AND-ed with the segment's filter."""
    lf = snap.frame.lazy()
    full_e = full.expr(snap)
    plans = [lf.filter(full_e).select(pl.len().alias("n"))]
    for dim in ("status", "plan", "country"):
        plans.append(lf.filter(full.expr(snap, drop=dim)).group_by(dim).agg(pl.len().alias("n")))
    plans.append(lf.filter(full_e).group_by("currency").agg(pl.len().alias("n")))
    seg_e = without_segment.expr(snap)
    plans.append(lf.filter(seg_e).select([pl.col(f"seg_{s}").sum().alias(s) for s in BUILT_IN_SEGMENTS]))
    for c in saved:
        plans.append(lf.filter(c.expr(snap)).select(pl.len().alias("n")))
    return plans


def counts_of(frame: pl.DataFrame, column: str) -> dict[str | None, int]:
    return {r[column]: int(r["n"]) for r in frame.iter_rows(named=True)}
