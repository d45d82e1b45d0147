"""The customer list: filter + search + sort + keyset page → rows (one place for the list and its cursors)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from crm_gateway.pagination.cursor import decode_cursor, encode_cursor, query_hash
from crm_gateway.pagination.keyset import after_condition, sort_spec
from crm_gateway.pagination.limits import PageRequest
from crm_gateway.sorting import Sort
from crm_shared.customer_filter import SAVED_PREFIX, build_query, combine, search_query
from crm_shared.errors import UserInputError
from crm_shared.mongo import CUSTOMERS, SAVED_SEGMENTS


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


async def mongo_filter(db: AsyncDatabase, q: ListQuery, now: datetime) -> dict[str, Any]:
    """The `customers` query of a list; a saved segment is evaluated from its stored filter."""
    f = dict(q.filter)
    segment = f.get("segment")
    saved_clause: dict[str, Any] | None = None
    if isinstance(segment, str) and segment.startswith(SAVED_PREFIX):
        saved = await db[SAVED_SEGMENTS].find_one({"_id": f"{q.app_id}|{segment}"})
        if saved is None:
            raise UserInputError(f"unknown segment {segment!r}")
        f.pop("segment")
        inner = dict(saved.get("filter") or {})
        inner["include_test"] = bool(inner.get("include_test")) or bool(f.get("include_test"))
        saved_clause = build_query(q.app_id, inner, now)
        f["include_test"] = True if inner["include_test"] else f.get("include_test")
    return combine(build_query(q.app_id, f, now), saved_clause, search_query(q.search))


def index_hint(q: ListQuery) -> list[tuple[str, int]]:
    """The index a list query uses: search terms when searching, else the sort column."""
    if q.search and q.search.strip():
        return [("app_id", 1), ("search_terms", 1)]
    return [("app_id", 1), (q.sort.field, 1), ("_id", 1)]


async def fetch_page(
    db: AsyncDatabase, q: ListQuery, page: PageRequest, now: datetime, projection: dict[str, Any] | None = None,
) -> Page:
    """One keyset page of the list `q` (never `skip`)."""
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
        cursor = db[CUSTOMERS].find(query, projection).sort(sort_spec(q.sort.field, ascending)).limit(page.size + 1)
        cursor = cursor.hint(index_hint(q))
        rows = await cursor.to_list()
    more = len(rows) > page.size
    rows = rows[: page.size]
    if page.backward:
        rows.reverse()
    cursors = [encode_cursor(r.get(q.sort.field), r["_id"], qhash) for r in rows]

    async def count() -> int:
        return await db[CUSTOMERS].count_documents(base)

    return Page(
        rows=rows,
        cursors=cursors,
        has_next=more if not page.backward else page.cursor is not None,
        has_previous=more if page.backward else page.cursor is not None,
        count=count,
    )
