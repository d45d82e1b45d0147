"""Reading raw Partner API data (and app-reported profiles) for a batch of shops."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.store import partner_events, partner_transactions, shop_profiles

Raw = dict[str, Any]  # a stored document as the derivation reads it (`crm_shared.customer.derive_customer`)


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
    for event in await partner_events.for_shops(db, app_id, shop_ids):
        out[cast(str, event["shop_id"])].events.append(cast(Raw, event))
    for tx in await partner_transactions.for_shops(db, app_id, shop_ids):
        out[cast(str, tx["shop_id"])].transactions.append(cast(Raw, tx))
    for profile in await shop_profiles.for_shops(db, app_id, shop_ids):
        out[profile["shop_id"]].profile = cast(Raw, profile)
    return {shop: out[shop] for shop in shop_ids}


async def all_shop_ids(db: AsyncDatabase, app_id: str) -> list[str]:
    """Every shop with raw data for the app, sorted."""
    shops: set[str] = set()
    for store in (partner_events, partner_transactions, shop_profiles):
        shops.update(await store.shop_ids(db, app_id))
    return sorted(shops)


async def app_reports_activity(db: AsyncDatabase, app_id: str) -> bool:
    """Whether the partner's app reports activity (any profile with `last_active_at`)."""
    return await shop_profiles.reports_activity(db, app_id)
