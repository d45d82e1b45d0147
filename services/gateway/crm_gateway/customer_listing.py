"""The customer list: filter + search + sort + keyset page → rows (one place for the list and its cursors)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl
from pymongo.asynchronous.database import AsyncDatabase

from crm_gateway.list_index.frame import AppSnapshot
from crm_gateway.list_index.manager import BIG, ListIndex
from crm_gateway.list_index.query import Condition, Facets, count_plan, counts_of, facet_plans, finish_page, page_plan
from crm_gateway.pagination.cursor import decode_cursor, encode_cursor, query_hash
from crm_gateway.pagination.keyset import after_condition, sort_spec
from crm_gateway.pagination.limits import PageRequest
from crm_gateway.sorting import Sort
from crm_shared.customer_filter import (
    BUILT_IN_SEGMENTS,
    SAVED_PREFIX,
    STATUSES,
    build_query,
    combine,
    parse_filter,
    search_query,
    search_words,
)
from crm_shared.errors import UserInputError
from crm_shared.store import customers, saved_segments


@dataclass(frozen=True)
class ListQuery:
    """Everything that decides which customers a list holds and in which order."""

    app_id: str
    filter: dict[str, Any]
    search: str | None
    sort: Sort

    def hash(self) -> str:
        """What a cursor of this list is bound to."""
        return query_hash(self.app_id, self.filter, self.search or "", self.sort.name, self.sort.ascending)


@dataclass
class Page:
    """One page of customers with its Relay page info."""

    rows: list[dict[str, Any]]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    count: Callable[[], Awaitable[int]] = field(repr=False)


async def list_filters(
    db: AsyncDatabase, q: ListQuery, saved_filters: dict[str, dict[str, Any] | None] | None = None,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The list's own filter and, for a saved segment, the segment's stored filter (test shops included when
    either includes them).  `saved_filters` caches saved segment lookups within a request."""
    f = dict(q.filter)
    segment = f.get("segment")
    if not (isinstance(segment, str) and segment.startswith(SAVED_PREFIX)):
        return f, None
    if saved_filters is not None and segment in saved_filters:
        stored = saved_filters[segment]
    else:
        saved = await saved_segments.get(db, q.app_id, segment)
        stored = dict(saved.get("filter") or {}) if saved is not None else None
        if saved_filters is not None:
            saved_filters[segment] = stored
    if stored is None:
        raise UserInputError(f"unknown segment {segment!r}")
    f.pop("segment")
    inner = dict(stored)
    inner["include_test"] = bool(inner.get("include_test")) or bool(f.get("include_test"))
    f["include_test"] = True if inner["include_test"] else f.get("include_test")
    return f, inner


async def mongo_filter(db: AsyncDatabase, q: ListQuery, now: datetime) -> dict[str, Any]:
    """The `customers` query of a list; a saved segment is evaluated from its stored filter."""
    f, inner = await list_filters(db, q)
    saved_clause = build_query(q.app_id, inner, now) if inner is not None else None
    return combine(build_query(q.app_id, f, now), saved_clause, search_query(q.search))


def index_hint(q: ListQuery) -> list[tuple[str, int]]:
    """The index a list query uses: search terms when searching, else the sort column."""
    if q.search and q.search.strip():
        return [("app_id", 1), ("search_terms", 1)]
    return [("app_id", 1), (q.sort.field, 1), ("_id", 1)]


async def fetch_page(
    db: AsyncDatabase, q: ListQuery, page: PageRequest, now: datetime, projection: dict[str, Any] | None = None,
    index: ListIndex | None = None,
) -> Page:
    """One keyset page of the list `q`: from the app's list index when it is ready, else from MongoDB."""
    snap = index.snapshot(q.app_id) if index is not None else None
    if snap is not None:
        return await index_page(db, snap, q, page)
    return await mongo_page(db, q, page, now, projection)


async def mongo_page(
    db: AsyncDatabase, q: ListQuery, page: PageRequest, now: datetime, projection: dict[str, Any] | None = None,
) -> Page:
    """One keyset page of the list `q` read from MongoDB (never `skip`): the path used while an app's index
    warms, and the oracle the index is tested against."""
    qhash = q.hash()
    base = await mongo_filter(db, q, now)
    # Backward pages walk the reversed order, then flip the rows back.
    ascending = q.sort.ascending != page.backward
    query = base
    if page.cursor is not None:
        pos = decode_cursor(page.cursor, qhash)
        query = combine(base, after_condition(q.sort.field, ascending, pos))
    rows: list[dict[str, Any]] = []
    if page.size > 0:
        rows = await customers.find_page(db, query, projection, sort_spec(q.sort.field, ascending), page.size + 1,
                                         index_hint(q))
    more = len(rows) > page.size
    rows = rows[: page.size]
    if page.backward:
        rows.reverse()
    cursors = [encode_cursor(r.get(q.sort.field), r["_id"], qhash) for r in rows]

    async def count() -> int:
        return await customers.count_matching(db, base)

    return Page(
        rows=rows,
        cursors=cursors,
        has_next=more if not page.backward else page.cursor is not None,
        has_previous=more if page.backward else page.cursor is not None,
        count=count,
    )


# ---- the list index path (docs/list-index.md) -------------------------------------------------------------


async def index_condition(
    db: AsyncDatabase, q: ListQuery, saved_filters: dict[str, dict[str, Any] | None] | None = None,
) -> Condition:
    """The list's condition for the index: its filter, a saved segment's filter, its search words (validated
    exactly as `mongo_filter` validates them)."""
    f, inner = await list_filters(db, q, saved_filters)
    filters = (parse_filter(f),) + ((parse_filter(inner),) if inner is not None else ())
    return Condition(filters=filters, words=tuple(search_words(q.search)))


async def _collect(snap: AppSnapshot, plans: list[pl.LazyFrame]) -> list[pl.DataFrame]:
    """Run lazy queries on a snapshot (big ones in a worker thread; Polars releases the GIL)."""
    if snap.height > BIG:
        return await asyncio.to_thread(pl.collect_all, plans)
    return pl.collect_all(plans)


async def index_page(db: AsyncDatabase, snap: AppSnapshot, q: ListQuery, page: PageRequest) -> Page:
    """One keyset page of the list `q` from an app snapshot; its count from the same snapshot."""
    qhash = q.hash()
    expr = (await index_condition(db, q)).expr(snap)
    plan = page_plan(snap, expr, q.sort, page, qhash)
    rows = (await _collect(snap, [plan]))[0] if plan is not None else None
    p = finish_page(snap, rows, q.sort, page, qhash, db.codec_options)

    async def count() -> int:
        return int((await _collect(snap, [count_plan(snap, expr)]))[0]["n"][0])

    return Page(rows=p.rows, cursors=p.cursors, has_next=p.has_next, has_previous=p.has_previous, count=count)


async def count_list(db: AsyncDatabase, q: ListQuery, now: datetime, index: ListIndex | None = None) -> int:
    """How many customers the list `q` holds (all pages)."""
    snap = index.snapshot(q.app_id) if index is not None else None
    if snap is not None:
        expr = (await index_condition(db, q)).expr(snap)
        return int((await _collect(snap, [count_plan(snap, expr)]))[0]["n"][0])
    return await customers.count_matching(db, await mongo_filter(db, q, now))


async def status_counts(db: AsyncDatabase, app_id: str, now: datetime,
                        index: ListIndex | None = None) -> dict[str, int]:
    """Non-test customers per status (every status, 0 included)."""
    snap = index.snapshot(app_id) if index is not None else None
    counts: dict[str, int] = {}
    if snap is not None:
        frame = (await _collect(snap, [snap.frame.lazy().filter(~pl.col("is_test")).group_by("status").agg(
            pl.len().alias("n"))]))[0]
        counts = {k: v for k, v in counts_of(frame, "status").items() if k is not None}
    else:
        counts = await customers.count_by(db, build_query(app_id, {}, now), "status")
    return {s: counts.get(s, 0) for s in STATUSES}


async def saved_segment_keys(db: AsyncDatabase, app_id: str) -> list[str]:
    """The app's saved segment keys, oldest first (the order `App.segments` lists them in)."""
    return await saved_segments.keys_of(db, app_id)


async def customer_facets(db: AsyncDatabase, q: ListQuery, now: datetime, index: ListIndex | None = None) -> Facets:
    """Counts per status, plan, country, currency and segment for the list `q`; each dimension is counted with
    every other active filter applied but not its own (what choosing each value would give)."""
    saved_keys = await saved_segment_keys(db, q.app_id)
    cache: dict[str, dict[str, Any] | None] = {}
    without_seg = ListQuery(q.app_id, {k: v for k, v in q.filter.items() if k != "segment"}, q.search, q.sort)
    per_saved = [ListQuery(q.app_id, {**without_seg.filter, "segment": key}, q.search, q.sort)
                 for key in saved_keys]
    snap = index.snapshot(q.app_id) if index is not None else None
    if snap is not None:
        full = await index_condition(db, q, cache)
        plans = facet_plans(snap, full, await index_condition(db, without_seg, cache),
                            [await index_condition(db, s, cache) for s in per_saved])
        out = await _collect(snap, plans)
        total = int(out[0]["n"][0])
        dims = {d: counts_of(out[i], d) for i, d in enumerate(("status", "plan", "country", "currency"), start=1)}
        built_in = out[5].row(0, named=True)
        segments = {k: int(built_in[k] or 0) for k in BUILT_IN_SEGMENTS}
        segments.update({k: int(f["n"][0]) for k, f in zip(saved_keys, out[6:], strict=True)})
    else:
        total = await count_list(db, q, now)
        dims = {}
        for dim in ("status", "plan", "country", "currency"):
            dq = q if dim == "currency" else ListQuery(q.app_id, {k: v for k, v in q.filter.items() if k != dim},
                                                       q.search, q.sort)
            dims[dim] = await customers.count_by(db, await mongo_filter(db, dq, now), dim)
        segments = {k: await count_list(db, ListQuery(q.app_id, {**without_seg.filter, "segment": k}, q.search,
                                                      q.sort), now) for k in BUILT_IN_SEGMENTS}
        for sq, key in zip(per_saved, saved_keys, strict=True):
            segments[key] = await count_list(db, sq, now)
    selected = parse_filter(q.filter)
    return Facets(
        total=total,
        status=[(s, dims["status"].get(s, 0)) for s in STATUSES],
        plan=_ranked(dims["plan"], selected.plans),
        country=_ranked(dims["country"], selected.countries),
        currency=_ranked(dims["currency"], None),
        segment=[(k, segments.get(k, 0)) for k in (*BUILT_IN_SEGMENTS, *saved_keys)],
    )


def _ranked(counts: dict[Any, int], selected: list[str] | None) -> list[tuple[str | None, int]]:
    """Values by count (most first), then by value (unknown last); selected values kept even at 0."""
    merged: dict[Any, int] = dict(counts)
    for value in selected or []:
        merged.setdefault(value, 0)
    return sorted(merged.items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or ""))
