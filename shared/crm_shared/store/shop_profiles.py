"""The `shop_profiles` collection: facts the partner's own app reports about its shops (raw data, written by the
sync worker's `ingest_shop_profiles`).

The only code that reads or writes it.  The sync worker upserts validated
profiles (`upsert_op` + `apply`, after marking the shops in
`rebuild_outbox`); the analytics worker reads a batch of shops (`for_shops`,
`shop_ids`) and asks whether the app reports activity at all
(`reports_activity`).

Fields that are absent or None leave the stored value alone, and ``last_active_at`` only moves forward
(``$max``), so pings arriving out of order never make a shop look less active.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypedDict, cast

from pymongo import ASCENDING, IndexModel, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.ids import customer_key
from crm_shared.mongo import SHOP_PROFILES

COLLECTION = SHOP_PROFILES

INDEXES = [IndexModel([("app_id", ASCENDING), ("shop_id", ASCENDING)], unique=True)]


class ShopProfileDoc(TypedDict, total=False):
    """A `shop_profiles` document (``_id`` = ``ids.customer_key(app, shop)``)."""

    _id: str
    app_id: str
    shop_id: str
    email: str
    country: str  # ISO 3166 alpha-2, upper case
    shopify_plan: str
    last_active_at: datetime
    updated_at: datetime


async def create_indexes(db: AsyncDatabase[Any], models: Iterable[IndexModel] = INDEXES) -> None:
    """Create `models` (default: the collection's base indexes) on the collection (idempotent)."""
    await db[COLLECTION].create_indexes(list(models))


def upsert_op(app_id: str, shop_id: str, fields: Mapping[str, Any], last_active_at: datetime | None,
              now: datetime) -> UpdateOne:
    """The upsert of one validated profile: `fields` (email, country, shopify_plan: the ones reported) set,
    ``last_active_at`` moved forward only; pure."""
    update: dict[str, Any] = {"$set": {"app_id": app_id, "shop_id": shop_id, "updated_at": now, **fields}}
    if last_active_at is not None:
        update["$max"] = {"last_active_at": last_active_at}
    return UpdateOne({"_id": customer_key(app_id, shop_id)}, update, upsert=True)


async def apply(db: AsyncDatabase[Any], ops: list[UpdateOne]) -> None:
    """Write profile upserts in their order (one ordered bulk write)."""
    await db[COLLECTION].bulk_write(ops, ordered=True)


async def for_shops(db: AsyncDatabase[Any], app_id: str, shop_ids: list[str]) -> list[ShopProfileDoc]:
    """The profiles of `shop_ids` of one app."""
    query = {"app_id": app_id, "shop_id": {"$in": shop_ids}}
    return [cast(ShopProfileDoc, d) async for d in db[COLLECTION].find(query)]


async def shop_ids(db: AsyncDatabase[Any], app_id: str) -> list[str]:
    """The distinct shop ids of the app's profiles."""
    return [s for s in await db[COLLECTION].distinct("shop_id", {"app_id": app_id}) if s]


async def reports_activity(db: AsyncDatabase[Any], app_id: str) -> bool:
    """Whether the partner's app reports activity (any profile with ``last_active_at``)."""
    doc = await db[COLLECTION].find_one({"app_id": app_id, "last_active_at": {"$ne": None}}, {"_id": 1})
    return doc is not None


async def purge_app(db: AsyncDatabase[Any], app_id: str) -> None:
    """Delete every profile of the app (the app is removed with its data)."""
    await db[COLLECTION].delete_many({"app_id": app_id})
