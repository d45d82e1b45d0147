"""What the actors do, as plain async functions (the actors are thin wrappers).

Error policy at this edge: a `PermanentError` is already recorded in
sync_state, so the message is done (no retry); a transient error is raised so
dramatiq's Retries middleware retries the message with backoff.  A sync_app
for an app another worker is syncing is dropped (that worker is already
pulling the newest data); a backfill is re-enqueued a minute later instead,
so it is never lost.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import dramatiq
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from crm_shared.clock import utcnow
from crm_shared.errors import PermanentError
from crm_shared.messages import BackfillApp, CustomersChanged, send
from crm_sync.lock import LeaseBusyError
from crm_sync.profiles import IngestResult, ingest_shop_profiles
from crm_sync.sync import Notify, SyncOutcome, sync_app

log = logging.getLogger(__name__)

BACKFILL_RETRY_DELAY_MS = 60_000


def broker_notifier(broker: dramatiq.Broker) -> Notify:
    """A `Notify` that sends `CustomersChanged` for the touched shops."""

    async def notify(app_id: str, shop_ids: list[str]) -> None:
        await asyncio.to_thread(send, broker, CustomersChanged(app_id=app_id, shop_ids=shop_ids))

    return notify


async def handle_sync_app(db: AsyncDatabase, redis: Redis, broker: dramatiq.Broker, app_id: str,
                          reason: str = "scheduled") -> SyncOutcome | None:
    """Incremental sync of one app (None when skipped or permanently failed)."""
    try:
        return await sync_app(db, redis, app_id, notify=broker_notifier(broker))
    except LeaseBusyError:
        log.info("sync_app %s skipped (%s): another worker is syncing it", app_id, reason)
    except PermanentError as exc:
        log.error("sync_app %s failed permanently: %s", app_id, exc)
    return None


async def handle_backfill_app(db: AsyncDatabase, redis: Redis, broker: dramatiq.Broker, app_id: str,
                              since: str | None = None, reason: str = "manual") -> SyncOutcome | None:
    """Backfill one app (re-enqueued later when the app is busy)."""
    try:
        return await sync_app(db, redis, app_id, full=True, since=since, notify=broker_notifier(broker))
    except LeaseBusyError:
        log.info("backfill_app %s busy: re-enqueued in %d ms", app_id, BACKFILL_RETRY_DELAY_MS)
        await asyncio.to_thread(send, broker, BackfillApp(app_id=app_id, since=since, reason=reason),
                                BACKFILL_RETRY_DELAY_MS)
    except PermanentError as exc:
        log.error("backfill_app %s failed permanently: %s", app_id, exc)
    return None


async def handle_ingest_shop_profiles(db: AsyncDatabase, broker: dramatiq.Broker, app_id: str,
                                      profiles: list[dict[str, Any]]) -> IngestResult:
    """Store reported profiles, then announce the touched shops."""
    result = await ingest_shop_profiles(db, app_id, profiles, utcnow())
    if result.stored:
        payload = CustomersChanged(app_id=app_id, shop_ids=sorted(set(result.stored)))
        await asyncio.to_thread(send, broker, payload)
    return result
