"""During an import (a backfill or an app's first sync) customers are rebuilt once, after it, not per page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from crm_analytics import jobs, locking
from crm_analytics.config import JobContext
from crm_shared.lease import wall_clock
from crm_shared.mongo import CUSTOMERS, SYNC_STATE
from crm_shared.store.sync_state import is_import
from tests.analytics.raw_factory import NOW, store, synthetic_app

SYNCED = NOW - timedelta(hours=1)
WALL = wall_clock()
LIVE = {"id": "r1", "lease_expires_at": WALL + timedelta(seconds=60)}   # a run whose worker holds its lease
DEAD = {"id": "r0", "lease_expires_at": WALL - timedelta(seconds=1)}    # a killed worker's expired lease


def live_run() -> dict[str, Any]:
    return {"id": "r1", "lease_expires_at": wall_clock() + timedelta(seconds=60)}


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (None, False),
        ({"state": "IDLE", "last_synced_at": SYNCED}, False),
        ({"state": "IDLE", "last_synced_at": None}, False),  # never synced, but nothing running
        ({"state": "FAILED", "last_synced_at": None}, False),
        ({"state": "RUNNING", "last_synced_at": None, "run": LIVE}, True),  # first sync: the whole history
        ({"state": "RUNNING", "last_synced_at": None, "run": DEAD}, False),  # its worker died
        ({"state": "RUNNING", "last_synced_at": None}, False),  # no lease at all
        ({"state": "RUNNING", "last_synced_at": SYNCED, "run": LIVE,
          "streams": {"events": {"mode": "incremental"}, "transactions": {"mode": "incremental"}}}, False),
        ({"state": "RUNNING", "last_synced_at": SYNCED, "run": LIVE,
          "streams": {"events": {"mode": "backfill"}, "transactions": {"mode": None}}}, True),
        ({"state": "RUNNING", "last_synced_at": SYNCED, "run": LIVE, "streams": {"events": None}}, False),
    ],
)
def test_which_sync_states_are_imports(state: Any, expected: bool) -> None:
    assert is_import(state, WALL) is expected


async def _customers(db: AsyncDatabase, app_id: str) -> int:
    return await db[CUSTOMERS].count_documents({"app_id": app_id})


async def _start_backfill(db: AsyncDatabase, redis_client: Any, app_id: str) -> None:
    await db[SYNC_STATE].replace_one({"_id": app_id}, {
        "_id": app_id, "app_id": app_id, "state": "RUNNING", "last_synced_at": SYNCED, "run": live_run(),
        "streams": {"events": {"mode": "backfill"}, "transactions": {"mode": "backfill"}}}, upsert=True)


async def _finish_backfill(db: AsyncDatabase, redis_client: Any, app_id: str) -> None:
    await db[SYNC_STATE].update_one({"_id": app_id}, {"$set": {
        "state": "IDLE", "run.lease_expires_at": None, "streams.events.mode": None,
        "streams.transactions.mode": None}})


async def test_changes_during_a_backfill_wait_and_are_rebuilt_once_after_it(
    db: AsyncDatabase, make_job: Callable[..., JobContext], redis_client: Any
) -> None:
    raw = synthetic_app(12, seed=21)
    job = make_job(db)
    await _start_backfill(db, redis_client, raw.app_id)
    await store(db, raw)
    shops = raw.shop_ids()
    for i in range(0, len(shops), 4):
        result = await jobs.customers_changed(job, raw.app_id, shops[i:i + 4], NOW)
        assert result.deferred and result.customers_rebuilt == 0
    assert await _customers(db, raw.app_id) == 0
    assert await locking.pending_count(job.redis, raw.app_id) == len(shops)
    # A refresh while the import still runs keeps waiting (and schedules the next look).
    early = await jobs.refresh_app(job, raw.app_id, NOW)
    assert early.deferred and early.recomputed is None
    assert await _customers(db, raw.app_id) == 0
    assert redis_client.exists(locking.key(raw.app_id, "due"))

    await _finish_backfill(db, redis_client, raw.app_id)
    done = await jobs.refresh_app(job, raw.app_id, NOW)
    assert done.customers_rebuilt == len(shops) and done.recomputed is not None
    assert await _customers(db, raw.app_id) == len(shops)


async def test_a_dead_import_worker_does_not_hold_rebuilds_back(
    db: AsyncDatabase, make_job: Callable[..., JobContext], redis_client: Any
) -> None:
    """sync_state still says RUNNING (the worker was killed) but its lease has expired: rebuild at once."""
    raw = synthetic_app(6, seed=22)
    job = make_job(db)
    await _start_backfill(db, redis_client, raw.app_id)
    await db[SYNC_STATE].update_one({"_id": raw.app_id}, {"$set": {"run.lease_expires_at": DEAD["lease_expires_at"]}})
    await store(db, raw)
    result = await jobs.customers_changed(job, raw.app_id, raw.shop_ids(), NOW)
    assert not result.deferred and result.customers_rebuilt == len(raw.shop_ids())


async def test_incremental_syncs_rebuild_page_by_page(
    db: AsyncDatabase, make_job: Callable[..., JobContext], redis_client: Any
) -> None:
    raw = synthetic_app(6, seed=23)
    job = make_job(db)
    await db[SYNC_STATE].replace_one({"_id": raw.app_id}, {
        "_id": raw.app_id, "state": "RUNNING", "last_synced_at": SYNCED, "run": live_run(),
        "streams": {"events": {"mode": "incremental"}}}, upsert=True)
    await store(db, raw)
    result = await jobs.customers_changed(job, raw.app_id, raw.shop_ids(), NOW)
    assert not result.deferred and result.customers_rebuilt == len(raw.shop_ids())
