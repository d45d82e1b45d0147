"""The alert scenario: an app imported with history, then changes (a new install with a trial that converts, an
upgrade, a churn, segment moves), driven through the analytics worker's jobs with a clock the test moves."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from crm_analytics import jobs
from crm_analytics.config import JobContext
from crm_shared.alerts.events import TIMELINE_EVENT_TYPES
from crm_shared.clock import to_iso
from crm_shared.ids import customer_key
from crm_shared.mongo import CUSTOMERS, PARTNER_EVENTS, SAVED_SEGMENTS, SYNC_STATE
from crm_shared.store import customer_events
from tests.analytics.raw_factory import APP, NOW, RawApp, charge, store, synthetic_app

T0 = NOW
NEW_SHOP = 900


async def customers_state(db: AsyncDatabase) -> dict[str, dict[str, Any]]:
    """{customer id: {timeline keys, segments}} of every stored customer."""
    out = {}
    async for d in db[CUSTOMERS].find({"app_id": APP}, {"timeline": 1, "segments": 1}):
        out[d["_id"]] = {"timeline": [(e["type"], e["occurred_at"], e.get("charge_id")) for e in d["timeline"]],
                         "segments": set(d.get("segments") or [])}
    return out


def expected_between(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]],
                     since: datetime) -> dict[str, list[tuple[str, str | None]]]:
    """The oracle: per customer, (type, segment) of the events a step must emit, from two snapshots: new timeline
    entries after `since` (oldest first), then segments left and entered (sorted)."""
    out: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for cid, now in after.items():
        old = before.get(cid, {"timeline": [], "segments": set()})
        known = set(old["timeline"])
        for key in now["timeline"]:
            if key not in known and key[0] in TIMELINE_EVENT_TYPES and key[1] > since:
                out[cid].append((TIMELINE_EVENT_TYPES[key[0]], None))
        out[cid] += [("segment.left", s) for s in sorted(old["segments"] - now["segments"])]
        out[cid] += [("segment.entered", s) for s in sorted(now["segments"] - old["segments"])]
    return {k: v for k, v in out.items() if v}


async def stored_events(db: AsyncDatabase) -> dict[str, list[tuple[str, str | None]]]:
    out: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for e in await customer_events.of_organization(db, "7001", None, None, 100_000):
        out[str(e.get("customer_id"))].append((e["type"], e.get("segment")))
    return dict(out)


async def first_import(db: AsyncDatabase, job: JobContext, shops: int = 24) -> RawApp:
    """The app's first sync: customers_changed arrive while the import runs (deferred), the refresh after it
    rebuilds every customer once and recomputes."""
    raw = synthetic_app(shops)
    await store(db, raw)
    wall = datetime.now().astimezone()
    await db[SYNC_STATE].replace_one({"_id": APP}, {
        "_id": APP, "app_id": APP, "state": "RUNNING", "last_synced_at": None,
        "run": {"id": "r1", "kind": "incremental", "started_at": wall,
                "lease_expires_at": wall + timedelta(minutes=5)}}, upsert=True)
    deferred = await jobs.customers_changed(job, APP, raw.shop_ids(), T0)
    assert deferred.deferred
    await db[SYNC_STATE].update_one({"_id": APP}, {"$set": {"state": "IDLE", "last_synced_at": T0,
                                                            "run.lease_expires_at": None}})
    result = await jobs.refresh_app(job, APP, T0)
    assert result.customers_rebuilt == len(raw.shop_ids())
    return raw


async def active_shops(db: AsyncDatabase, count: int) -> list[dict[str, Any]]:
    """Paying USD customers with a live charge (their last activated charge), by shop number."""
    docs = [d async for d in db[CUSTOMERS].find({"app_id": APP, "status": "ACTIVE", "is_test": False,
                                                 "currency": "USD"})]
    docs.sort(key=lambda d: int(d["shop_id"].rsplit("/", 1)[1]))
    return docs[:count]


async def last_charge(db: AsyncDatabase, shop_id: str) -> dict[str, Any]:
    doc = await db[PARTNER_EVENTS].find_one({"app_id": APP, "shop_id": shop_id,
                                             "type": "SUBSCRIPTION_CHARGE_ACTIVATED"}, sort=[("occurred_at", -1)])
    assert doc is not None
    return dict(doc["node"]["charge"])


def shop_number(shop_id: str) -> int:
    return int(shop_id.rsplit("/", 1)[1])


async def step(db: AsyncDatabase, job: JobContext, raw: RawApp, shops: list[int], now: datetime,
               log: list[dict[str, dict[str, Any]]]) -> None:
    """Store the raw data of `shops`, send their customers_changed, then run the refresh (recompute), recording
    a snapshot after each job (the oracle compares consecutive snapshots)."""
    ids = {f"gid://partners/Shop/{n}" for n in shops}
    await store(db, raw, ids)
    if ids:
        await jobs.customers_changed(job, APP, sorted(ids), now)
        log.append(await customers_state(db))
    await jobs.refresh_app(job, APP, now)
    log.append(await customers_state(db))


async def run_changes(db: AsyncDatabase, job: JobContext, raw: RawApp) -> dict[str, Any]:
    """The changes after the import; returns what the test checks against."""
    # a saved segment of big spenders (the upgrade below brings one in, at the next app-level recompute)
    await db[SAVED_SEGMENTS].insert_one({"_id": f"{APP}|saved:big", "app_id": APP, "key": "saved:big",
                                         "name": "Big spenders", "filter": {"mrr_min": "400"}, "created_at": T0})
    log = [await customers_state(db)]
    upgrader, churner = await active_shops(db, 2)
    # 1. a new install that starts a trial (3 days), and an upgrade of a paying shop
    raw.event(NEW_SHOP, "RelationshipInstalled", "RELATIONSHIP_INSTALLED", T0 + timedelta(minutes=10))
    trial = charge(5001, "Pro", "29.00", "USD", T0 + timedelta(minutes=15, days=3))
    raw.subscription(NEW_SHOP, "SUBSCRIPTION_CHARGE_ACTIVATED", T0 + timedelta(minutes=15), trial)
    up_at = T0 + timedelta(minutes=20)
    raw.subscription(shop_number(upgrader["shop_id"]), "SUBSCRIPTION_CHARGE_CANCELED", up_at,
                     await last_charge(db, upgrader["shop_id"]))
    raw.subscription(shop_number(upgrader["shop_id"]), "SUBSCRIPTION_CHARGE_ACTIVATED", up_at,
                     charge(5002, "Mega", "499.00", "USD", up_at + timedelta(days=30)))
    await step(db, job, raw, [NEW_SHOP, shop_number(upgrader["shop_id"])], T0 + timedelta(hours=1), log)
    # 2. a paying shop uninstalls (Shopify cancels its charge in the same second)
    gone = T0 + timedelta(minutes=90)
    raw.subscription(shop_number(churner["shop_id"]), "SUBSCRIPTION_CHARGE_CANCELED", gone,
                     await last_charge(db, churner["shop_id"]))
    raw.event(shop_number(churner["shop_id"]), "RelationshipUninstalled", "RELATIONSHIP_UNINSTALLED", gone,
              reason="Too expensive", description=None)
    await step(db, job, raw, [shop_number(churner["shop_id"])], T0 + timedelta(hours=2), log)
    # 3. four days later: the trial has converted (clock-driven), NEW and activity windows moved
    await step(db, job, raw, [], T0 + timedelta(days=4), log)
    return {"log": log, "new": customer_key(APP, f"gid://partners/Shop/{NEW_SHOP}"),
            "upgrader": upgrader["_id"], "churner": churner["_id"]}


def oracle(log: list[dict[str, dict[str, Any]]]) -> dict[str, list[tuple[str, str | None]]]:
    """Every event the whole scenario must emit, per customer, in order."""
    total: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for before, after in zip(log, log[1:], strict=False):
        for cid, events in expected_between(before, after, T0).items():
            total[cid] += events
    return dict(total)


__all__ = ["T0", "first_import", "oracle", "run_changes", "stored_events", "to_iso"]
