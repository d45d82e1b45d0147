"""Idempotent bulk writes of raw Partner API documents.

Events are upserted by their natural key (`ids.event_key`): re-reading an
overlap or a page after a crash rewrites the same documents.  Transactions
are upserted by id; when a re-read node differs from the stored one, the
stored version is appended to `restatements` (oldest first) and replaced.
One `find` plus one `bulk_write` per page, never one round trip per document;
the reads and writes are `crm_shared.store.partner_events` and
`crm_shared.store.partner_transactions`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.store import partner_events, partner_transactions, rebuild_outbox

Document = dict[str, Any]


@dataclass
class StoreResult:
    """What one page's write did."""

    written: int = 0
    inserted: int = 0
    restated: int = 0
    shop_ids: set[str] = field(default_factory=set)


#: The upserts of a page, built by the collections' store modules (pure).
event_ops = partner_events.upsert_ops
transaction_ops = partner_transactions.upsert_ops


async def _mark_for_rebuild(db: AsyncDatabase, docs: list[Document]) -> None:
    """Record the touched customers durably before the raw write (messages can be lost)."""
    by_app: dict[str, set[str]] = {}
    for d in docs:
        if d.get("shop_id"):
            by_app.setdefault(d["app_id"], set()).add(d["shop_id"])
    for app_id, shops in by_app.items():
        await rebuild_outbox.mark(db, app_id, shops)


async def store_events(db: AsyncDatabase, docs: list[Document], now: datetime) -> StoreResult:
    """Upsert one page of events."""
    result = StoreResult(written=len(docs), shop_ids={d["shop_id"] for d in docs if d["shop_id"]})
    ops = event_ops(docs, now)
    if ops:
        await _mark_for_rebuild(db, docs)
        result.inserted = await partner_events.apply(db, ops)
    return result


async def store_transactions(db: AsyncDatabase, docs: list[Document], now: datetime) -> StoreResult:
    """Upsert one page of transactions, keeping the history of restated ones."""
    result = StoreResult(written=len(docs), shop_ids={d["shop_id"] for d in docs if d["shop_id"]})
    if not docs:
        return result
    ids = list({d["_id"] for d in docs})
    stored = await partner_transactions.stored_nodes(db, ids)
    ops, result.restated = transaction_ops(docs, stored, now)
    if ops:
        await _mark_for_rebuild(db, docs)
        result.inserted = await partner_transactions.apply(db, ops)
    return result
