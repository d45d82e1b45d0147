"""`sync_app` (incremental) and `backfill_app` (full history in windows) for one app.

Both take the app's lease, mark `sync_state` RUNNING, run the events and the
transactions stream concurrently (sharing the organization's token bucket),
then mark IDLE, or FAILED with the error (``last_error_permanent`` tells a
401 / unknown version / unknown app from a transient failure).  Checkpoints
stay on failure, so the next call resumes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from crm_shared.clock import utcnow
from crm_shared.errors import ConfigurationError, PermanentError
from crm_shared.mongo import APPS, ORGANIZATIONS, PARTNER_EVENTS, PARTNER_TRANSACTIONS
from crm_shared.registry import access_token_of
from crm_shared.token_cipher import cipher_from_settings
from crm_shared.settings import Settings, get_settings
from crm_sync import metrics, state
from crm_sync.client import PartnerClient, PartnerCredentials
from crm_sync.config import SyncConfig, get_config
from crm_sync.lock import AppLease
from crm_sync.parse import parse_event, parse_transaction
from crm_sync.rate_limiter import RateLimiter
from crm_sync.store import store_events, store_transactions
from crm_sync.streams import BACKFILL, INCREMENTAL, RunSettings, StreamReport, StreamRunner, StreamSpec

Notify = Callable[[str, list[str]], Awaitable[None]]


@dataclass
class SyncOutcome:
    """What a call did, per stream."""

    app_id: str
    kind: str
    reports: dict[str, StreamReport] = field(default_factory=dict)


async def credentials_for(db: AsyncDatabase, app_id: str, settings: Settings) -> PartnerCredentials:
    """The Partner API client of the app's organization (PermanentError when unknown here)."""
    app = await db[APPS].find_one({"_id": app_id})
    if app is None:
        raise PermanentError(f"app {app_id} is not registered in the CRM")
    org = await db[ORGANIZATIONS].find_one({"_id": app["organization_id"]})
    if org is None:
        raise PermanentError(f"organization {app['organization_id']} of app {app_id} is not connected")
    try:
        access_token = access_token_of(org, cipher_from_settings(settings))
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
            collection=PARTNER_EVENTS, newest_first=True, stored_metric=metrics.EVENTS_STORED,
        ),
        StreamSpec(
            name="transactions",
            fetch=lambda after, w: client.transactions_page(app_id, page_size, after, w.start, w.end),
            parse=parse_transaction, store=store_transactions, time_field="created_at",
            count_field="transactions_synced", collection=PARTNER_TRANSACTIONS, newest_first=False,
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
    config: SyncConfig | None = None,
    now: Callable[[], datetime] = utcnow,
) -> SyncOutcome:
    """Sync one app: incremental, or a backfill from `since` when `full`.

    Raises `LeaseBusyError` when another worker holds the app, `PermanentError`
    / `RetryableError` after recording them in sync_state."""
    settings = settings or get_settings()
    config = config or get_config()
    kind = BACKFILL if full else INCREMENTAL
    async with AppLease(redis, app_id, config.lease_seconds) as lease:
        await state.mark_running(db, app_id, now())
        try:
            credentials = await credentials_for(db, app_id, settings)
            limiter = RateLimiter(redis, settings.partner_api_rate * config.rate_margin,
                                  inflight_timeout=config.request_timeout + 10,
                                  strict_window=config.strict_window)
            run_settings = RunSettings(
                now=now,
                overlap=timedelta(days=settings.sync_overlap_days),
                window=timedelta(days=config.backfill_window_days),
                floor=now() - timedelta(days=365 * config.backfill_default_years),
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

            async with PartnerClient(credentials, limiter, config.request_timeout, config.max_attempts,
                                     config.max_backoff) as client:
                runners = [StreamRunner(db, app_id, spec, run_settings, _notify, on_progress, lease.check)
                           for spec in _specs(client, app_id, config.page_size)]
                reports = await _run_all([r.run(kind, since) for r in runners])
        except Exception as exc:
            permanent = isinstance(exc, PermanentError)
            await state.mark_failed(db, app_id, f"{type(exc).__name__}: {exc}", permanent)
            metrics.RUNS.labels(kind, "permanent" if permanent else "failed").inc()
            raise
        await state.mark_idle(db, app_id, now())
        metrics.RUNS.labels(kind, "ok").inc()
        return SyncOutcome(app_id, kind, {r.spec.name: rep for r, rep in zip(runners, reports, strict=True)})


async def backfill_app(db: AsyncDatabase, redis: Redis, app_id: str, since: str | None = None,
                       **kwargs: object) -> SyncOutcome:
    """The full history of one app (from `since`, ISO-8601), in bounded windows."""
    return await sync_app(db, redis, app_id, full=True, since=since, **kwargs)  # type: ignore[arg-type]
