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


def _threshold(snap: AppSnapshot, sort: Sort, ascending: bool, cursor: str, qhash: str) -> int:
    """The key bound of the rows strictly after the cursor's row in the walking order."""
    pos = decode_cursor(cursor, qhash)
    if not isinstance(pos.id, str):
        raise UserInputError("malformed cursor")
    try:
        value = to_value(sort.field, pos.value)
    except IndexDataError as exc:
        raise UserInputError("malformed cursor") from exc
    m = snap.height + 1
    if value is None:
        return snap.id_position(pos.id, "right" if ascending else "left")
    lo, hi = snap.value_bounds(sort.field, value)
    present = hi > lo
    if ascending:
        return (lo + 1) * m + snap.id_position(pos.id, "right") if present else (hi + 1) * m
    return (lo + 1) * m + snap.id_position(pos.id, "left") if present else (lo + 1) * m


def page_plan(snap: AppSnapshot, cond: pl.Expr, sort: Sort, req: PageRequest, qhash: str) -> pl.LazyFrame | None:
    """The lazy query of a page's rows (size + 1 of them, in walking order), or None for a 0-row page."""
    if req.size <= 0:
        return None
    ascending = sort.ascending != req.backward
    kc = key_column(sort.field)
    if req.cursor is not None:
        thr = _threshold(snap, sort, ascending, req.cursor, qhash)
        cond = cond & (pl.col(kc) >= thr if ascending else pl.col(kc) < thr)
    lf = snap.frame.lazy().filter(cond)
    k = req.size + 1
    picked = lf.bottom_k(k, by=kc) if ascending else lf.top_k(k, by=kc)
    return picked.sort(kc, descending=not ascending).select("row")


def finish_page(rows_frame: pl.DataFrame | None, sort: Sort, req: PageRequest, qhash: str,
                codec_options: CodecOptions[Any]) -> IndexPage:
    """Decode a page's rows (with the database's codec options, as the driver would) and make their cursors,
    exactly as the MongoDB path does."""
    rows = [bson.decode(b, codec_options) for b in rows_frame["row"].to_list()] if rows_frame is not None else []
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
