"""Paging a customer's stored timeline (in memory: it is part of the document)."""

from __future__ import annotations

from typing import Any

from crm_gateway.graphql.enums import TimelineEntryType
from crm_gateway.graphql.types.money import money
from crm_gateway.graphql.types.page_info import PageInfo
from crm_gateway.graphql.types.timeline_entry import TimelineConnection, TimelineEdge, TimelineEntry
from crm_gateway.pagination.cursor import decode_cursor, encode_cursor, query_hash
from crm_gateway.pagination.limits import page_request


def timeline_page(
    doc: dict[str, Any], first: int | None, after: str | None, types: list[TimelineEntryType] | None
) -> TimelineConnection:
    """One page of `doc["timeline"]`, optionally only some entry types."""
    req = page_request(first, after)
    wanted = {t.value for t in types} if types else None
    qhash = query_hash("timeline", doc["_id"], sorted(wanted) if wanted else [])
    indexed = [(i, e) for i, e in enumerate(doc.get("timeline") or []) if wanted is None or e.get("type") in wanted]
    start = 0
    if req.cursor is not None:
        pos = decode_cursor(req.cursor, qhash)
        start = next((n for n, (i, _) in enumerate(indexed) if i > int(pos.id)), len(indexed))
    chosen = indexed[start : start + req.size]
    currency = doc.get("currency")
    edges = [
        TimelineEdge(
            node=TimelineEntry(
                type=TimelineEntryType(e["type"]),
                occurred_at=e["occurred_at"],
                plan=e.get("plan"),
                mrr_before=money(e["mrr_before"], e.get("currency") or currency) if e.get("mrr_before") is not None
                else None,
                mrr_after=money(e["mrr_after"], e.get("currency") or currency) if e.get("mrr_after") is not None
                else None,
                charge_id=e.get("charge_id"),
                detail=e.get("detail"),
            ),
            cursor=encode_cursor(i, i, qhash),
        )
        for i, e in chosen
    ]
    return TimelineConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=start + req.size < len(indexed),
            has_previous_page=start > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=len(indexed),
    )
