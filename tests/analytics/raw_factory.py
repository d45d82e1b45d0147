"""Raw Partner API documents (as the sync worker stores them) for worker tests.

`synthetic_app` writes plausible lives for a few dozen shops: installs, trials,
upgrades as same-second cancel+activate pairs, annual plans, cancels,
uninstalls without cancel, reinstalls, test charges, EUR shops, sales, and
app-reported profiles.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from bson import Decimal128

from crm_shared.clock import to_iso
from crm_shared.ids import customer_key, event_key

APP = "gid://partners/App/501"
START = datetime(2025, 1, 1, 9, 0, tzinfo=timezone.utc)
NOW = START + timedelta(days=420)


def shop_node(n: int) -> dict[str, Any]:
    """The Partner API `Shop` node of shop number `n`."""
    return {"id": f"gid://partners/Shop/{n}", "name": f"Shop {n} Goods", "myshopifyDomain": f"shop-{n}.myshopify.com",
            "avatarUrl": None}


def midnight(t: datetime) -> datetime:
    return t.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass
class RawApp:
    """Raw documents of one app, by collection."""

    app_id: str
    events: list[dict[str, Any]] = field(default_factory=list)
    transactions: list[dict[str, Any]] = field(default_factory=list)
    profiles: list[dict[str, Any]] = field(default_factory=list)

    def shop_ids(self) -> list[str]:
        return sorted({d["shop_id"] for d in self.events + self.transactions + self.profiles})

    def event(self, n: int, typename: str, type_: str, at: datetime, **extra: Any) -> None:
        node = {"__typename": typename, "type": type_, "occurredAt": to_iso(at), "app": {"id": self.app_id},
                "shop": shop_node(n), **extra}
        charge = extra.get("charge")
        charge_id = charge["id"] if charge else None
        shop_id = shop_node(n)["id"]
        self.events.append({
            "_id": event_key(self.app_id, type_, node["occurredAt"], shop_id, charge_id),
            "app_id": self.app_id, "shop_id": shop_id, "type": type_, "occurred_at": at,
            "charge_id": charge_id, "node": node, "first_seen_at": at,
        })

    def subscription(self, n: int, type_: str, at: datetime, charge: dict[str, Any]) -> None:
        typename = "".join(p.capitalize() for p in type_.split("_"))
        self.event(n, typename, type_, at, charge=charge)

    def sale(self, n: int, tid: int, at: datetime, charge: dict[str, Any], interval: str) -> None:
        amount = Decimal(charge["amount"]["amount"])
        currency = charge["amount"]["currencyCode"]
        net = (amount * Decimal("0.85")).quantize(Decimal("0.01"))
        node = {"__typename": "AppSubscriptionSale", "id": f"gid://partners/AppSubscriptionSale/{tid}",
                "createdAt": to_iso(at), "app": {"id": self.app_id}, "shop": shop_node(n),
                "chargeId": charge["id"], "billingInterval": interval,
                "grossAmount": {"amount": str(amount), "currencyCode": currency},
                "netAmount": {"amount": str(net), "currencyCode": currency},
                "shopifyFee": {"amount": str(amount - net), "currencyCode": currency}}
        self.transactions.append({
            "_id": node["id"], "app_id": self.app_id, "shop_id": shop_node(n)["id"], "type": "AppSubscriptionSale",
            "created_at": at, "charge_id": charge["id"], "gross_amount": Decimal128(amount),
            "net_amount": Decimal128(net), "currency": currency, "billing_interval": interval, "node": node,
            "restatements": [], "first_seen_at": at,
        })

    def profile(self, n: int, last_active_at: datetime | None) -> None:
        shop_id = shop_node(n)["id"]
        self.profiles.append({
            "_id": customer_key(self.app_id, shop_id), "app_id": self.app_id, "shop_id": shop_id,
            "email": f"owner{n}@example.com", "country": "US", "shopify_plan": "basic",
            "last_active_at": last_active_at, "updated_at": last_active_at,
        })


def charge(cid: int, name: str, amount: str, currency: str, billing_on: datetime, test: bool = False) -> dict[str, Any]:
    """An `AppSubscription` node."""
    return {"id": f"gid://shopify/AppSubscription/{cid}", "name": name, "test": test, "billingOn": to_iso(billing_on),
            "amount": {"amount": amount, "currencyCode": currency}}


PLANS = [("Basic", "9.00"), ("Pro", "29.00"), ("Plus", "79.00")]


def synthetic_app(shops: int, seed: int = 7, app_id: str = APP, now: datetime = NOW) -> RawApp:
    """A deterministic app with `shops` shops of varied lives, all before `now`."""
    raw = RawApp(app_id)
    cid = 1000
    for n in range(1, shops + 1):
        rng = random.Random(seed * 100_003 + n)
        installed = START + timedelta(days=rng.randint(0, 400), minutes=rng.randint(0, 600))
        raw.event(n, "RelationshipInstalled", "RELATIONSHIP_INSTALLED", installed)
        if rng.random() < 0.6:
            raw.profile(n, now - timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 20)))
        kind = rng.random()
        if kind < 0.12:
            continue  # free
        currency = "EUR" if rng.random() < 0.2 else "USD"
        test = kind < 0.2
        name, amount = rng.choice(PLANS)
        activated = installed + timedelta(minutes=5)
        annual = rng.random() < 0.1
        trial = not annual and rng.random() < 0.5
        if annual:
            amount, interval = str(Decimal(amount) * 10), "ANNUAL"
            billing_on = midnight(activated + timedelta(days=366))
        elif trial:
            billing_on, interval = midnight(activated + timedelta(days=15)), "EVERY_30_DAYS"
        else:
            billing_on, interval = midnight(activated + timedelta(days=30)), "EVERY_30_DAYS"
        cid += 1
        ch = charge(cid, name, amount, currency, billing_on, test)
        raw.subscription(n, "SUBSCRIPTION_CHARGE_ACTIVATED", activated, ch)
        if not test and billing_on < now:
            raw.sale(n, cid * 10, billing_on + timedelta(days=rng.randint(1, 20)), ch, interval)
        t = activated
        if rng.random() < 0.3 and t + timedelta(days=60) < now:  # upgrade: same-second cancel + activate
            t = t + timedelta(days=60)
            raw.subscription(n, "SUBSCRIPTION_CHARGE_CANCELED", t, ch)
            cid += 1
            ch = charge(cid, "Plus", "79.00", currency, midnight(t + timedelta(days=30)))
            raw.subscription(n, "SUBSCRIPTION_CHARGE_ACTIVATED", t, ch)
        r = rng.random()
        if r < 0.15 and t + timedelta(days=30) < now:
            raw.subscription(n, "SUBSCRIPTION_CHARGE_CANCELED", t + timedelta(days=30), ch)
        elif r < 0.35 and t + timedelta(days=40) < now:
            gone = t + timedelta(days=40)
            raw.event(n, "RelationshipUninstalled", "RELATIONSHIP_UNINSTALLED", gone, reason="Too expensive",
                      description=None)
            if rng.random() < 0.4 and gone + timedelta(days=10) < now:
                back = gone + timedelta(days=10)
                raw.event(n, "RelationshipInstalled", "RELATIONSHIP_INSTALLED", back)
                cid += 1
                again = charge(cid, "Basic", "9.00", currency, midnight(back + timedelta(days=30)))
                raw.subscription(n, "SUBSCRIPTION_CHARGE_ACTIVATED", back + timedelta(minutes=3), again)
        elif r < 0.45 and t + timedelta(days=20) < now:
            raw.subscription(n, "SUBSCRIPTION_CHARGE_FROZEN", t + timedelta(days=20), ch)
    return raw


async def store(db: Any, raw: RawApp, shop_ids: set[str] | None = None) -> None:
    """Insert the raw documents of `shop_ids` (all when None), like the sync worker's upserts."""
    from crm_analytics.indexes import ensure_analytics_indexes
    from crm_shared.mongo import PARTNER_EVENTS, PARTNER_TRANSACTIONS, SHOP_PROFILES
    from crm_shared.store.indexes import ensure_base_indexes

    await ensure_base_indexes(db)
    await ensure_analytics_indexes(db)
    for name, docs in ((PARTNER_EVENTS, raw.events), (PARTNER_TRANSACTIONS, raw.transactions),
                       (SHOP_PROFILES, raw.profiles)):
        chosen = [d for d in docs if shop_ids is None or d["shop_id"] in shop_ids]
        for d in chosen:
            await db[name].replace_one({"_id": d["_id"]}, d, upsert=True)
