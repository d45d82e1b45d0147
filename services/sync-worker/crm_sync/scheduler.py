"""The periodic enqueuer: `SyncApp` for every registered app every SYNC_INTERVAL_SECONDS.

Safe with any number of scheduler processes: time is cut into slots of one
interval (wall clock, not `CRM_NOW`, which may be frozen), and only the
process that wins ``SET NX`` on the slot's Redis key enqueues for it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import dramatiq
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from crm_shared.clock import utcnow
from crm_shared.logs import get_logger
from crm_shared.messages import SyncApp, send
from crm_shared.store import sync_state
from crm_shared.store.registry import all_app_ids

log = get_logger(__name__)


def slot_key(slot: int) -> str:
    """Redis key claimed by the scheduler that enqueues for `slot`."""
    return f"crm:sync:scheduler:slot:{slot}"


async def tick(db: AsyncDatabase, redis: Redis, broker: dramatiq.Broker, interval: float,
               clock: Callable[[], float] = time.time) -> int | None:
    """Enqueue SyncApp for every app if this process wins the current slot; the count, or None."""
    slot = int(clock() // interval)
    if not await redis.set(slot_key(slot), "1", nx=True, ex=max(1, int(interval * 2))):
        return None
    count = 0
    for app_id in await all_app_ids(db):
        await sync_state.mark_queued(db, app_id, utcnow())  # before the message: a fast run must end IDLE
        await asyncio.to_thread(send, broker, SyncApp(app_id=app_id, reason="scheduled"))
        count += 1
    log.info("scheduler.enqueued", slot=slot, apps=count)
    return count


async def run_scheduler(db: AsyncDatabase, redis: Redis, broker: dramatiq.Broker, interval: float,
                        stop: asyncio.Event | None = None, clock: Callable[[], float] = time.time) -> None:
    """Tick at the start of every slot until `stop` is set."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            await tick(db, redis, broker, interval, clock)
        except Exception:  # Mongo or Redis briefly down: try again next slot
            log.exception("scheduler.tick_failed")
        delay = interval - (clock() % interval) + 0.01
        try:
            await asyncio.wait_for(stop.wait(), timeout=delay)
        except TimeoutError:
            pass
