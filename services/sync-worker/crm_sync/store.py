"""Idempotent bulk writes of raw Partner API documents.

Events are upserted by their natural key (`ids.event_key`): re-reading an
overlap or a page after a crash rewrites the same documents.  Transactions
are upserted by id; when a re-read node differs from the stored one, the
stored version is appended to `restatements` (oldest first) and replaced.
One `find` plus one `bulk_write` per page, never one round trip per document.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.mongo import PARTNER_EVENTS, PARTNER_TRANSACTIONS
from crm_shared.store import rebuild_outbox

Document = dict[str, Any]


@dataclass
class StoreResult:
    """What one page's write did."""

    written: int = 0
    inserted: int = 0
    restated: int = 0
    shop_ids: set[str] = field(default_factory=set)


def _dedupe(docs: Iterable[Document]) -> dict[str, Document]:
    """Last version of each `_id` (a page may repeat a key)."""
    return {doc["_id"]: doc for doc in docs}


def event_ops(docs: Iterable[Document], now: datetime) -> list[UpdateOne]:
    """The upserts for parsed event documents (pure)."""
    ops = []
    for doc in _dedupe(docs).values():
        fields = {k: v for k, v in doc.items() if k != "_id"}
        update = {"$set": fields, "$setOnInsert": {"first_seen_at": now}}
        ops.append(UpdateOne({"_id": doc["_id"]}, update, upsert=True))
    return ops


def transaction_ops(
    docs: Iterable[Document], stored_nodes: dict[str, Any], now: datetime
) -> tuple[list[UpdateOne], int]:
    """The upserts for parsed transactions given the stored nodes; (ops, restated count)."""
    ops: list[UpdateOne] = []
    restated = 0
    for doc in _dedupe(docs).values():
        fields = {k: v for k, v in doc.items() if k != "_id"}
        if doc["_id"] not in stored_nodes:
            update: Document = {"$set": fields, "$setOnInsert": {"first_seen_at": now, "restatements": []}}
            ops.append(UpdateOne({"_id": doc["_id"]}, update, upsert=True))
        elif stored_nodes[doc["_id"]] != doc["node"]:
            restated += 1
            history = {"node": stored_nodes[doc["_id"]], "replaced_at": now}
            ops.append(UpdateOne({"_id": doc["_id"]}, {"$set": fields, "$push": {"restatements": history}}))
    return ops, restated


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
        res = await db[PARTNER_EVENTS].bulk_write(ops, ordered=False)
        result.inserted = res.upserted_count
    return result


async def store_transactions(db: AsyncDatabase, docs: list[Document], now: datetime) -> StoreResult:
    """Upsert one page of transactions, keeping the history of restated ones."""
    result = StoreResult(written=len(docs), shop_ids={d["shop_id"] for d in docs if d["shop_id"]})
    if not docs:
        return result
    ids = list({d["_id"] for d in docs})
    stored = {d["_id"]: d.get("node") async for d in db[PARTNER_TRANSACTIONS].find({"_id": {"$in": ids}}, {"node": 1})}
    ops, result.restated = transaction_ops(docs, stored, now)
    if ops:
        await _mark_for_rebuild(db, docs)
        res = await db[PARTNER_TRANSACTIONS].bulk_write(ops, ordered=False)
        result.inserted = res.upserted_count
    return result
