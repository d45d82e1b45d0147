"""`sync_app` (incremental) and `backfill_app` (full history in windows) for one app.

Both take the app's sync lease (`crm_shared.store.sync_leases`), mark `sync_state`
RUNNING (with the run's id, kind and lease expiry, renewed with the lease), run
the events and the transactions stream concurrently (sharing the organization's
token bucket), then mark IDLE, or FAILED with the error (``last_error_permanent``
tells a 401 / unknown version / unknown app from a transient failure).
Checkpoints stay on failure, so the next call resumes.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from crm_shared.alerts.emit import record_sync_failed
from crm_shared.clock import utcnow
from crm_shared.errors import ConfigurationError, PermanentError
from crm_shared.lease import wall_clock
from crm_shared.logs import bound, get_logger
from crm_shared.settings import Settings, get_settings
from crm_shared.store import partner_events, partner_transactions, registry, sync_leases, sync_state
from crm_shared.token_cipher import cipher_from_settings
from crm_sync import metrics
from crm_sync.client import PartnerClient, PartnerCredentials
from crm_sync.parse import parse_event, parse_transaction
from crm_sync.rate_limiter import RateLimiter
from crm_sync.store import store_events, store_transactions
from crm_sync.streams import BACKFILL, INCREMENTAL, RunSettings, StreamReport, StreamRunner, StreamSpec

log = get_logger(__name__)

Notify = Callable[[str, list[str]], Awaitable[None]]


@dataclass
class SyncOutcome:
    """What a call did, per stream."""

    app_id: str
    kind: str
    reports: dict[str, StreamReport] = field(default_factory=dict)


async def credentials_for(db: AsyncDatabase, app_id: str, settings: Settings) -> PartnerCredentials:
    """The Partner API client of the app's organization (PermanentError when unknown here)."""
    app = await registry.get_app(db, app_id)
    if app is None:
        raise PermanentError(f"app {app_id} is not registered in the CRM")
    org = await registry.get_organization(db, app["organization_id"])
    if org is None:
        raise PermanentError(f"organization {app['organization_id']} of app {app_id} is not connected")
    try:
        access_token = registry.access_token_of(dict(org), cipher_from_settings(settings))
    except ConfigurationError as exc:
        raise PermanentError(str(exc)) from exc
    return PartnerCredentials(
        organization_id=str(org["_id"]),
        access_token=access_token,
        base_url=org.get("partner_api_url") or settings.partner_api_url,
        version=settings.partner_api_version,
    )


def _specs(client: PartnerClient, app_id: str, page_size: int) -> list[StreamSpec]:
    return [
        StreamSpec(
            name="events",
            fetch=lambda after, w: client.events_page(app_id, page_size, after, w.start, w.end),
            parse=parse_event, store=store_events, time_field="occurred_at", count_field="events_synced",
            count_stored=partner_events.count, newest_first=True, stored_metric=metrics.EVENTS_STORED,
        ),
        StreamSpec(
            name="transactions",
            fetch=lambda after, w: client.transactions_page(app_id, page_size, after, w.start, w.end),
            parse=parse_transaction, store=store_transactions, time_field="created_at",
            count_field="transactions_synced", count_stored=partner_transactions.count, newest_first=False,
            stored_metric=metrics.TRANSACTIONS_STORED,
        ),
    ]


async def _run_all(coros: list[Awaitable[StreamReport]]) -> list[StreamReport]:
    """Run concurrently; on the first failure cancel the rest and raise it."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in tasks:
            if task.done() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        return [t.result() for t in tasks]
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def sync_app(
    db: AsyncDatabase,
    redis: Redis,
    app_id: str,
    *,
    full: bool = False,
    since: str | None = None,
    notify: Notify | None = None,
    settings: Settings | None = None,
    now: Callable[[], datetime] = utcnow,
) -> SyncOutcome:
    """Sync one app: incremental, or a backfill from `since` when `full`.

    Raises `crm_shared.lease.LeaseBusyError` when another worker holds the app, `PermanentError`
    / `RetryableError` after recording them in sync_state."""
    run_id = secrets.token_hex(8)
    with bound(app_id=app_id, run_id=run_id):
        return await _sync(db, redis, app_id, run_id, BACKFILL if full else INCREMENTAL, since, notify,
                           settings or get_settings(), now)


async def _sync(db: AsyncDatabase, redis: Redis, app_id: str, run_id: str, kind: str, since: str | None,
                notify: Notify | None, settings: Settings, now: Callable[[], datetime]) -> SyncOutcome:
    started = time.monotonic()

    async def mirror_lease(expires_at: datetime) -> None:
        await sync_state.renew(db, app_id, run_id, expires_at)

    async with sync_leases.sync_lease(redis, app_id, settings.sync_lease_seconds, mirror_lease) as lease:
        await sync_state.mark_running(db, app_id, {"id": run_id, "kind": kind, "since": since,
                                      "started_at": wall_clock(),
                                                   "lease_expires_at": lease.expires_at}, now())
        log.info("sync.started", kind=kind, since=since)
        try:
            credentials = await credentials_for(db, app_id, settings)
            structlog.contextvars.bind_contextvars(organization_id=credentials.organization_id)
            limiter = RateLimiter(redis, settings.partner_api_rate * settings.sync_rate_margin,
                                  inflight_timeout=settings.sync_request_timeout + 10,
                                  strict_window=settings.sync_rate_strict_window)
            run_settings = RunSettings(
                now=now,
                overlap=timedelta(days=settings.sync_overlap_days),
                window=timedelta(days=settings.sync_backfill_window_days),
                floor=now() - timedelta(days=365 * settings.sync_backfill_default_years),
            )
            progress: dict[str, float | None] = {}
            shown: list[float] = []

            def on_progress(stream: str, value: float | None) -> float | None:
                # The slowest stream's share, never moving back: a stream's first report may come after the
                # other's and be lower, and a page's oldest item may be newer than the previous page's.
                progress[stream] = value
                known = [v for v in progress.values() if v is not None]
                if not known:
                    return None
                shown.append(max(min(known), shown[-1] if shown else 0.0))
                return shown[-1]

            async def _notify(shop_ids: list[str]) -> None:
                if notify is not None:
                    await notify(app_id, shop_ids)

            async with PartnerClient(credentials, limiter, settings.sync_request_timeout, settings.sync_max_attempts,
                                     settings.sync_max_backoff) as client:
                runners = [StreamRunner(db, app_id, spec, run_settings, _notify, on_progress, lease.check)
                           for spec in _specs(client, app_id, settings.sync_page_size)]
                reports = await _run_all([r.run(kind, since) for r in runners])
        except Exception as exc:
            permanent = isinstance(exc, PermanentError)
            try:
                await sync_state.mark_failed(db, app_id, run_id, f"{type(exc).__name__}: {exc}", permanent)
                if permanent:  # a sync.failed alert (docs/alerts.md); the handler sends a sweep that delivers it
                    await record_sync_failed(db, app_id, run_id, f"{type(exc).__name__}: {exc}", now())
            except sync_state.IllegalTransitionError as stale:
                log.warning("sync.stale_run", detail=str(stale))
            metrics.RUNS.labels(kind, "permanent" if permanent else "failed").inc()
            log.log(logging.ERROR if permanent else logging.WARNING, "sync.failed", kind=kind, permanent=permanent,
                    error=f"{type(exc).__name__}: {exc}"[:500], seconds=round(time.monotonic() - started, 1))
            raise
        try:
            await sync_state.mark_idle(db, app_id, run_id, now())
        except sync_state.IllegalTransitionError as stale:  # the lease was lost and another run took the app
            log.warning("sync.stale_run", detail=str(stale))
        metrics.RUNS.labels(kind, "ok").inc()
        outcome = SyncOutcome(app_id, kind, {r.spec.name: rep for r, rep in zip(runners, reports, strict=True)})
        log.info("sync.finished", kind=kind, seconds=round(time.monotonic() - started, 1),
                 **{f"{name}_{k}": getattr(r, k) for name, r in outcome.reports.items()
                    for k in ("pages", "items", "inserted", "malformed")})
        return outcome


async def backfill_app(db: AsyncDatabase, redis: Redis, app_id: str, since: str | None = None,
                       **kwargs: object) -> SyncOutcome:
    """The full history of one app (from `since`, ISO-8601), in bounded windows."""
    return await sync_app(db, redis, app_id, full=True, since=since, **kwargs)  # type: ignore[arg-type]
