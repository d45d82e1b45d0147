"""Durable record of customers whose raw data changed and await a rebuild.

Messages on Redis can be lost (a Redis restart, a crash between the write and
the send).  So every writer of raw data marks the touched shops here, in
MongoDB, *before* writing the raw documents, and only the analytics worker
clears a mark — after it rebuilt that customer from raw data read after the
mark was taken.  A version counter makes the clear conditional: a shop marked
again while it was being rebuilt stays marked.  The analytics worker's
periodic refresh drains what messages missed, so nothing written to raw data
stays underived, whatever happened to the messages.

Document (collection ``rebuild_outbox``): ``_id`` = customer key, app_id,
shop_id, v (incremented on every mark).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypedDict

from pymongo import ASCENDING, DeleteOne, IndexModel, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.ids import customer_key
from crm_shared.mongo import REBUILD_OUTBOX

COLLECTION = REBUILD_OUTBOX

INDEXES = [IndexModel([("app_id", ASCENDING), ("_id", ASCENDING)])]


class OutboxMark(TypedDict):
    """A `rebuild_outbox` document."""

    _id: str
    app_id: str
    shop_id: str
    v: int


async def create_indexes(db: AsyncDatabase[Any], models: Iterable[IndexModel] = INDEXES) -> None:
    """Create `models` (default: the collection's base indexes) on the collection (idempotent)."""
    await db[COLLECTION].create_indexes(list(models))


async def mark(db: AsyncDatabase[Any], app_id: str, shop_ids: Iterable[str]) -> None:
    """Mark shops of an app as needing a rebuild (one bulk write)."""
    ops = [
        UpdateOne({"_id": customer_key(app_id, s)}, {"$set": {"app_id": app_id, "shop_id": s}, "$inc": {"v": 1}},
                  upsert=True)
        for s in sorted(set(shop_ids))
    ]
    if ops:
        await db[REBUILD_OUTBOX].bulk_write(ops, ordered=False)


async def versions(db: AsyncDatabase[Any], app_id: str, shop_ids: list[str]) -> dict[str, int]:
    """The current mark version of each of `shop_ids` that is marked."""
    keys = [customer_key(app_id, s) for s in shop_ids]
    return {d["shop_id"]: d["v"] async for d in db[REBUILD_OUTBOX].find({"_id": {"$in": keys}}, {"shop_id": 1, "v": 1})}


async def marked_shops(db: AsyncDatabase[Any], app_id: str, limit: int = 0) -> list[str]:
    """Shops of an app still marked (oldest insertion order is not guaranteed)."""
    return [d["shop_id"] async for d in db[REBUILD_OUTBOX].find({"app_id": app_id}, {"shop_id": 1}).limit(limit)]


async def clear(db: AsyncDatabase[Any], app_id: str, seen: dict[str, int]) -> None:
    """Clear the marks that were taken at version `seen[shop]` (and not re-marked since)."""
    ops = [DeleteOne({"_id": customer_key(app_id, s), "v": v}) for s, v in seen.items()]
    if ops:
        await db[REBUILD_OUTBOX].bulk_write(ops, ordered=False)


async def purge_app(db: AsyncDatabase[Any], app_id: str) -> None:
    """Drop every mark of the app (the app is removed with its data)."""
    await db[REBUILD_OUTBOX].delete_many({"app_id": app_id})
