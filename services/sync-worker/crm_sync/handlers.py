"""What the actors do, as plain async functions (the actors are thin wrappers).

Error policy at this edge: a `PermanentError` is already recorded in
sync_state, so the message is done (no retry); a transient error is raised so
dramatiq's Retries middleware retries the message with backoff.

A sync request is never dropped while unanswered: one that finds the app's
lease taken (another run, or a killed worker's lease that has not expired yet)
is sent again for when the lease will have freed or expired, and runs then.
A request that a run started after it already satisfies is done.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import dramatiq
from pydantic import BaseModel
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from crm_shared.clock import utcnow
from crm_shared.errors import PermanentError
from crm_shared.lease import LeaseBusyError
from crm_shared.logs import get_logger
from crm_shared.messages import BackfillApp, CustomersChanged, SweepWebhooks, SyncApp, send
from crm_shared.store import sync_leases, sync_state
from crm_sync.profiles import IngestResult, ingest_shop_profiles
from crm_sync.sync import Notify, SyncOutcome, sync_app

log = get_logger(__name__)

#: A request waiting for a lease looks again when the lease will have expired, but at least this often ...
MAX_WAIT_SECONDS = 15.0
#: ... and not sooner than this.
MIN_WAIT_SECONDS = 1.0


def broker_notifier(broker: dramatiq.Broker) -> Notify:
    """A `Notify` that sends `CustomersChanged` for the touched shops."""

    async def notify(app_id: str, shop_ids: list[str]) -> None:
        await asyncio.to_thread(send, broker, CustomersChanged(app_id=app_id, shop_ids=shop_ids))

    return notify


async def wait_for_lease(redis: Redis, broker: dramatiq.Broker, app_id: str, request: BaseModel) -> float:
    """Send `request` again for when the app's lease frees or expires; returns the delay in seconds."""
    left = await sync_leases.time_left(redis, app_id) or 0.0
    delay = min(max(left + 0.25, MIN_WAIT_SECONDS), MAX_WAIT_SECONDS)
    await asyncio.to_thread(send, broker, request, int(delay * 1000))
    return delay


async def _run(db: AsyncDatabase[Any], redis: Redis, broker: dramatiq.Broker, request: SyncApp | BackfillApp,
               kind: str, since: str | None) -> SyncOutcome | None:
    app_id = request.app_id
    requested = datetime.fromisoformat(request.requested_at) if request.requested_at else None
    if requested is not None and sync_state.covers(await sync_state.load(db, app_id), kind, since, requested):
        log.info("sync.request_done_already", kind=kind, reason=request.reason, requested_at=request.requested_at)
        return None
    try:
        return await sync_app(db, redis, app_id, full=kind == sync_state.BACKFILL, since=since,
                              notify=broker_notifier(broker))
    except LeaseBusyError:
        delay = await wait_for_lease(redis, broker, app_id, request)
        log.info("sync.waiting_for_lease", kind=kind, reason=request.reason, wait_seconds=round(delay, 2))
    except PermanentError as exc:
        log.error("sync.permanent_error", kind=kind, error=str(exc), retried=False)
        # The run recorded a sync.failed alert (docs/alerts.md): deliver it now rather than at the next sweep.
        await asyncio.to_thread(send, broker, SweepWebhooks())
    return None


async def handle_sync_app(db: AsyncDatabase[Any], redis: Redis, broker: dramatiq.Broker,
                          request: SyncApp) -> SyncOutcome | None:
    """Incremental sync of one app (None when it waits for the lease, was done already, or failed for good)."""
    return await _run(db, redis, broker, request, sync_state.INCREMENTAL, None)


async def handle_backfill_app(db: AsyncDatabase[Any], redis: Redis, broker: dramatiq.Broker,
                              request: BackfillApp) -> SyncOutcome | None:
    """Backfill one app (None when it waits for the lease, was done already, or failed for good)."""
    return await _run(db, redis, broker, request, sync_state.BACKFILL, request.since)


async def handle_ingest_shop_profiles(db: AsyncDatabase[Any], broker: dramatiq.Broker, app_id: str,
                                      profiles: list[dict[str, Any]]) -> IngestResult:
    """Store reported profiles, then announce the touched shops."""
    result = await ingest_shop_profiles(db, app_id, profiles, utcnow())
    if result.stored:
        payload = CustomersChanged(app_id=app_id, shop_ids=sorted(set(result.stored)))
        await asyncio.to_thread(send, broker, payload)
    return result
