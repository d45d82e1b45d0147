"""The worker's jobs against the real Mongo wire protocol and Redis."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from crm_analytics import jobs, locking
from crm_analytics.config import JobContext
from crm_shared.mongo import APP_METRICS, APP_SUMMARIES, CUSTOMERS, SAVED_SEGMENTS
from tests.analytics.raw_factory import NOW, START, RawApp, charge, store, synthetic_app

SHOPS = 40


async def snapshot(db: AsyncDatabase, app_id: str) -> dict[str, Any]:
    """Every derived document of the app, without computed_at."""

    def clean(d: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in d.items() if k != "computed_at"}

    return {
        "customers": {d["_id"]: clean(d) async for d in db[CUSTOMERS].find({"app_id": app_id})},
        "metrics": {d["_id"]: d async for d in db[APP_METRICS].find({"app_id": app_id})},
        "summary": clean(await db[APP_SUMMARIES].find_one({"_id": app_id}) or {}),
    }


async def full_rebuild(db: AsyncDatabase, job: JobContext, raw: RawApp) -> dict[str, Any]:
    await store(db, raw)
    result = await jobs.rebuild_app(job, raw.app_id, NOW)
    assert result.customers_rebuilt == len(raw.shop_ids())
    return await snapshot(db, raw.app_id)


async def test_incremental_messages_give_the_same_documents_as_a_full_rebuild(
    db: AsyncDatabase, other_db: AsyncDatabase, make_job: Callable[..., JobContext], redis_client: Any
) -> None:
    raw = synthetic_app(SHOPS)
    shops = raw.shop_ids()
    rng = random.Random(3)
    rng.shuffle(shops)
    job = make_job(db)
    for i in range(0, len(shops), 9):  # raw data arrives in chunks, each followed by its message
        chunk = shops[i:i + 9]
        await store(db, raw, set(chunk))
        await jobs.customers_changed(job, raw.app_id, chunk, NOW)
    await jobs.refresh_app(job, raw.app_id, NOW)
    incremental = await snapshot(db, raw.app_id)

    redis_client.flushdb()
    expected = await full_rebuild(other_db, make_job(other_db), raw)
    assert len(incremental["customers"]) == len(shops)
    assert incremental["customers"] == expected["customers"]
    assert incremental["metrics"] == expected["metrics"]
    assert incremental["summary"] == expected["summary"]


async def test_duplicate_and_reordered_messages_change_nothing(
    db: AsyncDatabase, make_job: Callable[..., JobContext]
) -> None:
    raw = synthetic_app(SHOPS, seed=11)
    job = make_job(db)
    before = await full_rebuild(db, job, raw)
    shops = raw.shop_ids()
    for ids in (shops[::-1], shops[5:15] * 2, shops[:3], shops[::2] + shops[::2]):
        await jobs.customers_changed(job, raw.app_id, ids, NOW)
    await jobs.refresh_app(job, raw.app_id, NOW)
    assert await snapshot(db, raw.app_id) == before


async def test_concurrent_messages_for_one_app_never_lose_a_change(
    db: AsyncDatabase, make_job: Callable[..., JobContext]
) -> None:
    raw = synthetic_app(SHOPS, seed=5)
    await store(db, raw)
    job = make_job(db)
    shops = raw.shop_ids()
    results = await asyncio.gather(*(jobs.customers_changed(job, raw.app_id, shops[i::4], NOW) for i in range(4)))
    assert await locking.pending_count(job.redis, raw.app_id) == 0 or any(r.deferred for r in results)
    await jobs.refresh_app(job, raw.app_id, NOW)
    assert await db[CUSTOMERS].count_documents({"app_id": raw.app_id}) == len(shops)
    assert await locking.pending_count(job.redis, raw.app_id) == 0


async def test_busy_app_defers_the_rebuild_to_the_scheduled_refresh(
    db: AsyncDatabase, make_job: Callable[..., JobContext]
) -> None:
    raw = synthetic_app(10, seed=9)
    await store(db, raw)
    job = make_job(db)
    other = locking.app_lock(job.redis, raw.app_id, 30)
    assert await other.acquire()
    result = await jobs.customers_changed(job, raw.app_id, raw.shop_ids(), NOW)
    assert result.deferred and result.customers_rebuilt == 0
    assert await locking.pending_count(job.redis, raw.app_id) == len(raw.shop_ids())
    assert await job.redis.exists(locking.key(raw.app_id, "due"))  # the refresh is scheduled
    await other.release()
    refreshed = await jobs.refresh_app(job, raw.app_id, NOW)
    assert refreshed.customers_rebuilt == len(raw.shop_ids())
    assert await db[CUSTOMERS].count_documents({"app_id": raw.app_id}) == len(raw.shop_ids())


async def test_a_second_change_inside_the_debounce_period_schedules_nothing(
    db: AsyncDatabase, make_job: Callable[..., JobContext]
) -> None:
    job = make_job(db, debounce_seconds=30)
    assert await jobs.schedule_recompute(job, "gid://partners/App/9")
    assert not await jobs.schedule_recompute(job, "gid://partners/App/9")
    await locking.clear_due(job.redis, "gid://partners/App/9")
    assert await jobs.schedule_recompute(job, "gid://partners/App/9")


async def test_clock_driven_refresh_ends_a_trial_and_the_new_segment(
    db: AsyncDatabase, make_job: Callable[..., JobContext]
) -> None:
    raw = RawApp("gid://partners/App/77")
    installed = START + timedelta(days=100)
    raw.event(1, "RelationshipInstalled", "RELATIONSHIP_INSTALLED", installed)
    ch = charge(1, "Pro", "29.00", "USD", (installed + timedelta(days=14)).replace(hour=0, minute=0))
    raw.subscription(1, "SUBSCRIPTION_CHARGE_ACTIVATED", installed + timedelta(minutes=2), ch)
    raw.profile(1, installed + timedelta(days=1))
    await store(db, raw)
    job = make_job(db)
    await jobs.rebuild_app(job, raw.app_id, installed + timedelta(days=2))
    doc = await db[CUSTOMERS].find_one({"app_id": raw.app_id})
    assert doc["status"] == "TRIAL" and "NEW" in doc["segments"]
    assert doc["next_change_at"] is not None

    later = installed + timedelta(days=45)
    result = await jobs.refresh_app(job, raw.app_id, later)
    assert result.customers_rebuilt == 1
    doc = await db[CUSTOMERS].find_one({"app_id": raw.app_id})
    assert doc["status"] == "ACTIVE"
    assert "NEW" not in doc["segments"]
    assert str(doc["mrr"].to_decimal()) == "29.00"


async def test_refresh_leaves_customers_without_a_due_change_alone(
    db: AsyncDatabase, make_job: Callable[..., JobContext]
) -> None:
    raw = synthetic_app(12, seed=4)
    job = make_job(db)
    await full_rebuild(db, job, raw)
    result = await jobs.refresh_app(job, raw.app_id, NOW)
    assert result.customers_rebuilt == 0 and result.recomputed is not None


async def test_saved_segments_are_written_on_members_and_counted(
    db: AsyncDatabase, make_job: Callable[..., JobContext]
) -> None:
    raw = synthetic_app(SHOPS, seed=2)
    await store(db, raw)
    await db[SAVED_SEGMENTS].insert_one({
        "_id": f"{raw.app_id}|saved:active", "app_id": raw.app_id, "key": "saved:active", "name": "Active",
        "filter": {"status": ["ACTIVE"]}, "created_at": NOW,
    })
    await jobs.rebuild_app(make_job(db), raw.app_id, NOW)
    active = await db[CUSTOMERS].count_documents({"app_id": raw.app_id, "status": "ACTIVE", "is_test": False})
    members = await db[CUSTOMERS].count_documents({"app_id": raw.app_id, "segments": "saved:active"})
    assert active > 0 and members == active
    summary = await db[APP_SUMMARIES].find_one({"_id": raw.app_id})
    assert summary["segment_counts"]["saved:active"] == active
    assert sum(summary["counts_by_status"].values()) == summary["customers"]


async def test_summary_and_metrics_hold_the_numbers_the_gateway_reads(
    db: AsyncDatabase, make_job: Callable[..., JobContext]
) -> None:
    raw = synthetic_app(SHOPS, seed=8)
    snap = await full_rebuild(db, make_job(db), raw)
    summary = snap["summary"]
    for field in ("percentiles", "top_plan", "retention", "cohorts", "counts_by_status", "segment_counts",
                  "by_currency", "average_lifetime_days", "built_in_segments"):
        assert field in summary, field
    paying = await db[CUSTOMERS].count_documents({"app_id": raw.app_id, "paid": True, "is_test": False})
    today = [m for m in snap["metrics"].values() if m["date"].date() == NOW.date()]
    assert sum(m["active_customers"] for m in today) == paying
    usd_total = sum([d["mrr"].to_decimal() async for d in db[CUSTOMERS].find(
        {"app_id": raw.app_id, "currency": "USD", "is_test": False})], start=Decimal(0))
    assert usd_total > 0
    [usd_today] = [m for m in today if m["currency"] == "USD"]
    assert usd_today["total_mrr"].to_decimal() == usd_total


async def test_malformed_raw_data_of_one_shop_keeps_its_document_and_rebuilds_the_others(
    db: AsyncDatabase, make_job: Callable[..., JobContext]
) -> None:
    raw = synthetic_app(6)
    await store(db, raw)
    job = make_job(db)
    await jobs.rebuild_app(job, raw.app_id, NOW)
    shops = raw.shop_ids()
    bad, good = shops[0], shops[1]
    before_bad = await db[CUSTOMERS].find_one({"app_id": raw.app_id, "shop_id": bad})
    # A node that cannot be read (broken occurredAt) reaches the store for `bad`; `good` reports a new email.
    broken = dict(next(e for e in raw.events if e["shop_id"] == bad))
    broken["_id"] = "broken-event"
    broken["node"] = {**broken["node"], "occurredAt": "not a time"}
    await db.partner_events.insert_one(broken)
    await db.shop_profiles.update_one(
        {"app_id": raw.app_id, "shop_id": good},
        {"$set": {"app_id": raw.app_id, "shop_id": good, "email": "new@owner.example"}}, upsert=True)

    await jobs.customers_changed(job, raw.app_id, [bad, good], NOW)

    assert await db[CUSTOMERS].find_one({"app_id": raw.app_id, "shop_id": bad}) == before_bad
    after_good = await db[CUSTOMERS].find_one({"app_id": raw.app_id, "shop_id": good})
    assert after_good["email"] == "new@owner.example"  # the rest of the batch was rebuilt
