"""The `partner_events` collection: the Partner API's app events, verbatim (raw data, written by the sync worker).

The only code that reads or writes it.  The sync worker upserts a page at a
time (`upsert_ops` + `apply`, after marking the touched shops in
`rebuild_outbox`) and recounts what it stored (`count`); the analytics worker
reads a batch of shops (`for_shops`) and the shops with any event
(`shop_ids`).

Events are upserted by their natural key (`crm_shared.ids.event_key`): re-reading an overlap or a page after
a crash rewrites the same documents; ``first_seen_at`` is set on the first write only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypedDict, cast

from pymongo import ASCENDING, DESCENDING, IndexModel, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.mongo import PARTNER_EVENTS

COLLECTION = PARTNER_EVENTS

#: Every service relies on these: a shop's events in time order, an app's newest events.
INDEXES = [
    IndexModel([("app_id", ASCENDING), ("shop_id", ASCENDING), ("occurred_at", ASCENDING)]),
    IndexModel([("app_id", ASCENDING), ("occurred_at", DESCENDING)]),
]


class EventDoc(TypedDict, total=False):
    """A `partner_events` document (``_id`` = ``ids.event_key(app, type, occurredAt, shop, charge)``)."""

    _id: str
    app_id: str
    shop_id: str | None  # None when the node has no shop
    type: str  # e.g. "SUBSCRIPTION_CHARGE_ACTIVATED"
    occurred_at: datetime
    charge_id: str | None  # charge.id, or appCredit.id, or None
    node: dict[str, Any]  # the Partner API node verbatim
    first_seen_at: datetime


async def create_indexes(db: AsyncDatabase[Any], models: Iterable[IndexModel] = INDEXES) -> None:
    """Create `models` (default: the collection's base indexes) on the collection (idempotent)."""
    await db[COLLECTION].create_indexes(list(models))


def upsert_ops(docs: Iterable[Mapping[str, Any]], now: datetime) -> list[UpdateOne]:
    """The upserts for parsed event documents, the last version of each `_id` (a page may repeat a key); pure."""
    ops = []
    for doc in {d["_id"]: d for d in docs}.values():
        fields = {k: v for k, v in doc.items() if k != "_id"}
        update = {"$set": fields, "$setOnInsert": {"first_seen_at": now}}
        ops.append(UpdateOne({"_id": doc["_id"]}, update, upsert=True))
    return ops


async def apply(db: AsyncDatabase[Any], ops: list[UpdateOne]) -> int:
    """Write the upserts of one page (one unordered bulk write); how many documents were new."""
    res = await db[COLLECTION].bulk_write(ops, ordered=False)
    return int(res.upserted_count)


async def count(db: AsyncDatabase[Any], app_id: str) -> int:
    """How many events of the app are stored."""
    return int(await db[COLLECTION].count_documents({"app_id": app_id}))


async def for_shops(db: AsyncDatabase[Any], app_id: str, shop_ids: list[str]) -> list[EventDoc]:
    """The events of `shop_ids` of one app (without ``first_seen_at``)."""
    query = {"app_id": app_id, "shop_id": {"$in": shop_ids}}
    return [cast(EventDoc, d) async for d in db[COLLECTION].find(query, {"first_seen_at": 0})]


async def shop_ids(db: AsyncDatabase[Any], app_id: str) -> list[str]:
    """The distinct shop ids of the app's events (None left out)."""
    return [s for s in await db[COLLECTION].distinct("shop_id", {"app_id": app_id}) if s]


async def purge_app(db: AsyncDatabase[Any], app_id: str) -> None:
    """Delete every event of the app (the app is removed with its data)."""
    await db[COLLECTION].delete_many({"app_id": app_id})
