"""Paging a customer's stored timeline (in memory: it is part of the document).

The stored timeline is oldest first; `newest_first` walks it the other way.
Cursors hold the entry's position in the stored timeline and are bound to the
customer, the type filter and the order, so a cursor of one view is rejected
by another.  Forward pages take `first` entries after `after`; backward pages
take the `last` entries before `before` (Relay).
"""

from __future__ import annotations

from typing import Any

from crm_gateway.graphql.enums import TimelineEntryType
from crm_gateway.graphql.types.money import money
from crm_gateway.graphql.types.page_info import PageInfo
from crm_gateway.graphql.types.timeline_entry import TimelineConnection, TimelineEdge, TimelineEntry
from crm_gateway.pagination.cursor import decode_cursor, encode_cursor, query_hash
from crm_gateway.pagination.limits import page_request


def _entry(e: dict[str, Any], currency: str | None) -> TimelineEntry:
    cur = e.get("currency") or currency
    return TimelineEntry(
        type=TimelineEntryType(e["type"]),
        occurred_at=e["occurred_at"],
        plan=e.get("plan"),
        mrr_before=money(e["mrr_before"], cur) if e.get("mrr_before") is not None else None,
        mrr_after=money(e["mrr_after"], cur) if e.get("mrr_after") is not None else None,
        charge_id=e.get("charge_id"),
        detail=e.get("detail"),
    )


def timeline_page(
    doc: dict[str, Any], first: int | None, after: str | None, types: list[TimelineEntryType] | None,
    last: int | None = None, before: str | None = None, newest_first: bool = False,
) -> TimelineConnection:
    """One page of `doc["timeline"]`, optionally only some entry types, in either order."""
    req = page_request(first, after, last, before)
    wanted = {t.value for t in types} if types else None
    order = ["newest"] if newest_first else []  # keeps the oldest-first hash of existing cursors unchanged
    qhash = query_hash("timeline", doc["_id"], sorted(wanted) if wanted else [], *order)
    indexed = [(i, e) for i, e in enumerate(doc.get("timeline") or []) if wanted is None or e.get("type") in wanted]
    if newest_first:
        indexed.reverse()
    # [lo, hi) is the window of `indexed` the cursor leaves open
    lo, hi = 0, len(indexed)
    if req.cursor is not None:
        pos = int(decode_cursor(req.cursor, qhash).id)
        at = next((n for n, (i, _) in enumerate(indexed) if i == pos), None)
        if at is not None:
            lo, hi = (at + 1, len(indexed)) if not req.backward else (0, at)
        else:  # the entry was filtered out: the page starts where it would have been
            at = next((n for n, (i, _) in enumerate(indexed) if (i < pos if newest_first else i > pos)), len(indexed))
            lo, hi = (at, len(indexed)) if not req.backward else (0, at)
    if req.backward:
        start = max(lo, hi - req.size)
        chosen, has_prev, has_next = indexed[start:hi], start > lo, hi < len(indexed)
    else:
        end = min(hi, lo + req.size)
        chosen, has_prev, has_next = indexed[lo:end], lo > 0, end < hi
    currency = doc.get("currency")
    edges = [TimelineEdge(node=_entry(e, currency), cursor=encode_cursor(i, i, qhash)) for i, e in chosen]
    return TimelineConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=has_prev,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=len(indexed),
    )
