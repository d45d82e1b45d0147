"""What each analytics actor does (async; the actors run these on their event loop).

Coalescing protocol (see `locking` for the Redis keys):

- ``customers_changed(app, shops)`` adds the shops to the app's pending set,
  then, if it gets the app lock, drains the set (derive + store in batches)
  and releases the lock; either way it makes sure an app-level recompute is
  scheduled: the first change after a recompute sets the ``due`` key and
  sends a delayed ``refresh_app``; later changes see the key and send nothing.
  A burst of thousands of messages thus costs one recompute per debounce
  period, and ids left behind by a busy lock are drained by that recompute.
- ``refresh_app(app)`` clears ``due``, takes the lock (or reschedules itself
  when busy), drains pending shops, re-derives the customers whose
  ``next_change_at`` has passed and those still marked in the durable
  rebuild outbox (raw data whose message was lost), and recomputes the
  app-level numbers.
- ``rebuild_app(app)`` takes the lock (waiting for it), re-derives every shop
  with raw data and recomputes the app-level numbers.
- While an *import* of the app runs (a backfill or its first sync, as
  `crm_shared.store.sync_state` tells), ``customers_changed`` and ``refresh_app`` only
  keep the shops pending and look again one debounce period later: each
  customer is then rebuilt once, after the import, instead of once per page
  that mentions it.

Every path re-reads raw data, so duplicates and reordering change nothing,
and the app lock keeps two rebuilds of one customer from interleaving.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from crm_analytics import locking
from crm_analytics.app_recompute import RecomputeResult, recompute_app
from crm_analytics.config import JobContext
from crm_analytics.customer_rebuild import rebuild_customers, stored_segment_context
from crm_analytics.raw_data import all_shop_ids
from crm_shared.lease import Lease
from crm_shared.logs import get_logger
from crm_shared.messages import DeliverWebhooks, RefreshApp, send
from crm_shared.store import customers, rebuild_outbox
from crm_shared.store.sync_state import import_in_progress

log = get_logger(__name__)


@dataclass
class JobResult:
    """What a job did (for logs and tests)."""

    customers_rebuilt: int = 0
    recomputed: RecomputeResult | None = None
    deferred: bool = False  # the lock was busy; the work is left to a scheduled refresh


async def schedule_recompute(job: JobContext, app_id: str) -> bool:
    """Schedule an app-level recompute in `debounce_seconds` unless one is scheduled already."""
    if not await locking.mark_due(job.redis, app_id, job.settings.analytics_debounce_seconds):
        return False
    send(job.broker, RefreshApp(app_id=app_id), delay_ms=int(job.settings.analytics_debounce_seconds * 1000))
    return True


def _webhook_notifier(job: JobContext) -> Callable[[set[str]], None]:
    """Sends a delivery message to each endpoint that got deliveries (docs/alerts.md)."""
    def notify(endpoint_ids: set[str]) -> None:
        for endpoint_id in sorted(endpoint_ids):
            send(job.broker, DeliverWebhooks(endpoint_id=endpoint_id))
    return notify


async def _rebuild_in_batches(job: JobContext, app_id: str, shop_ids: list[str], now: datetime, lock: Lease) -> int:
    seg_ctx = await stored_segment_context(job.db, app_id)
    done = 0
    size = job.settings.analytics_batch_size
    for i in range(0, len(shop_ids), size):
        done += await rebuild_customers(job.db, app_id, shop_ids[i:i + size], now, seg_ctx,
                                        _webhook_notifier(job))
        await lock.renew()
    return done


async def _drain_pending(job: JobContext, app_id: str, now: datetime, lock: Lease) -> int:
    seg_ctx = await stored_segment_context(job.db, app_id)
    done = 0
    while batch := await locking.pop_pending(job.redis, app_id, job.settings.analytics_batch_size):
        done += await rebuild_customers(job.db, app_id, batch, now, seg_ctx, _webhook_notifier(job))
        await lock.renew()
    return done


async def _recompute(job: JobContext, app_id: str, now: datetime) -> RecomputeResult:
    result = await recompute_app(job.db, app_id, now, _webhook_notifier(job))
    await locking.count_recompute(job.redis, app_id)
    log.info("recompute.done", app_id=app_id, customers=result.customers, segments_updated=result.segments_updated,
             metrics_written=result.metrics_written, metrics_deleted=result.metrics_deleted)
    return result


async def _under_lock(job: JobContext, app_id: str, wait_seconds: float,
                      body: Callable[[Lease], Awaitable[JobResult]]) -> JobResult | None:
    """Run `body` holding the app lock; None when the lock stayed busy for `wait_seconds`."""
    lock = locking.app_lock(job.redis, app_id, job.settings.analytics_lock_seconds)
    deadline = asyncio.get_running_loop().time() + wait_seconds
    while not await lock.acquire():
        if asyncio.get_running_loop().time() >= deadline:
            return None
        await asyncio.sleep(0.2)
    try:
        return await body(lock)
    finally:
        await lock.release()


async def customers_changed(job: JobContext, app_id: str, shop_ids: list[str], now: datetime) -> JobResult:
    """Rebuild the changed shops now if the app is free, and schedule the app-level recompute."""
    await locking.add_pending(job.redis, app_id, sorted(set(shop_ids)))
    if await import_in_progress(job.db, app_id):
        await schedule_recompute(job, app_id)
        return JobResult(deferred=True)

    async def body(lock: Lease) -> JobResult:
        return JobResult(customers_rebuilt=await _drain_pending(job, app_id, now, lock))

    result = await _under_lock(job, app_id, 0.0, body) or JobResult(deferred=True)
    await schedule_recompute(job, app_id)
    return result


async def refresh_app(job: JobContext, app_id: str, now: datetime) -> JobResult:
    """Drain pending shops, re-derive customers due by the clock, recompute app-level numbers."""
    await locking.clear_due(job.redis, app_id)
    if await import_in_progress(job.db, app_id):
        await schedule_recompute(job, app_id)  # look again when the import may have finished
        return JobResult(deferred=True)

    async def body(lock: Lease) -> JobResult:
        rebuilt = await _drain_pending(job, app_id, now, lock)
        due = await customers.due_shops(job.db, app_id, now)
        # Raw data whose change message was lost (e.g. Redis restarted) is still marked in the outbox.
        due |= set(await rebuild_outbox.marked_shops(job.db, app_id))
        due = sorted(due)
        rebuilt += await _rebuild_in_batches(job, app_id, due, now, lock)
        return JobResult(customers_rebuilt=rebuilt, recomputed=await _recompute(job, app_id, now))

    result = await _under_lock(job, app_id, 1.0, body)
    if result is None:
        await schedule_recompute(job, app_id)
        return JobResult(deferred=True)
    return result


async def rebuild_app(job: JobContext, app_id: str, now: datetime, wait_seconds: float = 60.0) -> JobResult:
    """Re-derive every customer of the app from raw data and recompute app-level numbers."""

    async def body(lock: Lease) -> JobResult:
        shops = await all_shop_ids(job.db, app_id)
        rebuilt = await _rebuild_in_batches(job, app_id, shops, now, lock)
        return JobResult(customers_rebuilt=rebuilt, recomputed=await _recompute(job, app_id, now))

    result = await _under_lock(job, app_id, wait_seconds, body)
    if result is None:
        raise locking.AppBusyError(f"app {app_id} is busy; retry later")
    return result
