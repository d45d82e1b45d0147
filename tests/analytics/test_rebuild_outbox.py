"""Raw data whose customers_changed message was lost is still derived: the
durable rebuild outbox in MongoDB is drained by the next refresh."""

from __future__ import annotations

from collections.abc import Callable

from pymongo.asynchronous.database import AsyncDatabase

from crm_analytics import jobs
from crm_analytics.config import JobContext
from crm_shared.mongo import CUSTOMERS, REBUILD_OUTBOX
from crm_shared.store import rebuild_outbox
from tests.analytics.raw_factory import NOW, store, synthetic_app


async def test_lost_messages_are_recovered_by_the_next_refresh_from_the_outbox(
    db: AsyncDatabase, make_job: Callable[..., JobContext]
) -> None:
    raw = synthetic_app(8)
    shops = raw.shop_ids()
    # The sync worker marks and stores raw data, but its messages never arrive (Redis lost them).
    await rebuild_outbox.mark(db, raw.app_id, shops)
    await store(db, raw)
    assert await db[CUSTOMERS].count_documents({}) == 0

    await jobs.refresh_app(make_job(db), raw.app_id, NOW)

    assert await db[CUSTOMERS].count_documents({"app_id": raw.app_id}) == len(shops)
    assert await db[REBUILD_OUTBOX].count_documents({}) == 0


async def test_a_shop_marked_again_during_its_rebuild_stays_marked(db: AsyncDatabase) -> None:
    await rebuild_outbox.mark(db, "app", ["s1", "s2"])
    seen = await rebuild_outbox.versions(db, "app", ["s1", "s2"])
    await rebuild_outbox.mark(db, "app", ["s2"])  # new raw data for s2 while s1 and s2 were rebuilt
    await rebuild_outbox.clear(db, "app", seen)
    assert await rebuild_outbox.marked_shops(db, "app") == ["s2"]


async def test_customers_changed_clears_the_marks_of_the_shops_it_rebuilt(
    db: AsyncDatabase, make_job: Callable[..., JobContext]
) -> None:
    raw = synthetic_app(4)
    shops = raw.shop_ids()
    await rebuild_outbox.mark(db, raw.app_id, shops)
    await store(db, raw)
    await jobs.customers_changed(make_job(db), raw.app_id, shops[:2], NOW)
    assert sorted(await rebuild_outbox.marked_shops(db, raw.app_id)) == sorted(shops[2:])
