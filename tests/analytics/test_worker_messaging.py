"""The actors on the real Redis broker: a burst of messages is coalesced."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from dramatiq import Worker
from pymongo.asynchronous.database import AsyncDatabase

from crm_analytics import locking
from crm_analytics.actors import declare_actors
from crm_analytics.scheduler import enqueue_refresh_for_all_apps
from crm_shared.broker import make_broker
from crm_shared.messages import CustomersChanged, send
from crm_shared.mongo import APP_SUMMARIES, APPS, CUSTOMERS
from crm_shared.settings import Settings
from tests.analytics.raw_factory import store, synthetic_app

DEBOUNCE = 1.0
DEADLINE = 240.0


async def test_a_burst_of_200_messages_causes_a_bounded_number_of_app_recomputes(
    db: AsyncDatabase, mongo_uri: str, redis_url: str, redis_client: Any
) -> None:
    raw = synthetic_app(50, seed=21)
    await store(db, raw)
    shops = raw.shop_ids()
    broker = make_broker(redis_url)
    settings = Settings(MONGODB_URI=mongo_uri, MONGODB_DB=db.name, REDIS_URL=redis_url,
                        ANALYTICS_DEBOUNCE_SECONDS=DEBOUNCE, ANALYTICS_BATCH_SIZE=20)
    declare_actors(broker, settings)
    for i in range(200):  # a backfill: each shop several times, in no particular order
        send(broker, CustomersChanged(app_id=raw.app_id, shop_ids=[shops[(i * 7) % len(shops)], shops[i % len(shops)]]))
    started = time.monotonic()
    worker = Worker(broker, queues={"analytics"}, worker_threads=2)
    worker.start()
    try:
        broker.join("analytics", timeout=int(DEADLINE * 1000))
        # the last delayed refresh may still be running when the queue is empty
        count = 0
        while time.monotonic() - started < DEADLINE:
            summary = await db[APP_SUMMARIES].find_one({"_id": raw.app_id})
            count = int(redis_client.get(locking.key(raw.app_id, "recomputes")) or 0)
            if summary and summary["customers"] + summary["test_customers"] == len(shops) and count >= 1 \
                    and not redis_client.exists(locking.key(raw.app_id, "due")):
                break
            await asyncio.sleep(0.2)
        elapsed = time.monotonic() - started
    finally:
        worker.stop()
        broker.close()
    assert await db[CUSTOMERS].count_documents({"app_id": raw.app_id}) == len(shops)
    assert redis_client.scard(locking.key(raw.app_id, "pending")) == 0
    # at most one recompute per debounce period (+1 for the period in flight), never one per message
    assert 1 <= count <= elapsed / DEBOUNCE + 1
    assert count < 200 / 4


async def test_scheduler_enqueues_a_refresh_for_every_app(db: AsyncDatabase, redis_url: str, redis_client: Any) -> None:
    await db[APPS].insert_many([{"_id": "gid://partners/App/1", "organization_id": "o"},
                                {"_id": "gid://partners/App/2", "organization_id": "o"}])
    broker = make_broker(redis_url)
    try:
        assert await enqueue_refresh_for_all_apps(db, broker) == ["gid://partners/App/1", "gid://partners/App/2"]
        queued = [m for m in redis_client.hvals("dramatiq:analytics.msgs")]
        assert len(queued) == 2 and all(b"refresh_app" in m for m in queued)
    finally:
        broker.close()
