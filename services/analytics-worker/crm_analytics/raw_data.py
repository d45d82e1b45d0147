"""Reading raw Partner API data (and app-reported profiles) for a batch of shops."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.mongo import PARTNER_EVENTS, PARTNER_TRANSACTIONS, SHOP_PROFILES


@dataclass
class ShopRaw:
    """Everything the derivation reads for one shop."""

    events: list[dict[str, Any]] = field(default_factory=list)
    transactions: list[dict[str, Any]] = field(default_factory=list)
    profile: dict[str, Any] | None = None

    @property
    def empty(self) -> bool:
        return not self.events and not self.transactions and self.profile is None


async def load_shops(db: AsyncDatabase, app_id: str, shop_ids: list[str]) -> dict[str, ShopRaw]:
    """Raw data of `shop_ids` of one app, keyed by shop id (every id present)."""
    out: dict[str, ShopRaw] = defaultdict(ShopRaw)
    if not shop_ids:
        return {}
    query = {"app_id": app_id, "shop_id": {"$in": shop_ids}}
    async for doc in db[PARTNER_EVENTS].find(query, {"first_seen_at": 0}):
        out[doc["shop_id"]].events.append(doc)
    async for doc in db[PARTNER_TRANSACTIONS].find(query, {"first_seen_at": 0}):
        out[doc["shop_id"]].transactions.append(doc)
    async for doc in db[SHOP_PROFILES].find(query):
        out[doc["shop_id"]].profile = doc
    return {shop: out[shop] for shop in shop_ids}


async def all_shop_ids(db: AsyncDatabase, app_id: str) -> list[str]:
    """Every shop with raw data for the app, sorted."""
    shops: set[str] = set()
    for name in (PARTNER_EVENTS, PARTNER_TRANSACTIONS, SHOP_PROFILES):
        shops.update(s for s in await db[name].distinct("shop_id", {"app_id": app_id}) if s)
    return sorted(shops)


async def app_reports_activity(db: AsyncDatabase, app_id: str) -> bool:
    """Whether the partner's app reports activity (any profile with `last_active_at`)."""
    doc = await db[SHOP_PROFILES].find_one({"app_id": app_id, "last_active_at": {"$ne": None}}, {"_id": 1})
    return doc is not None
