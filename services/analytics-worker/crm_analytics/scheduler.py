"""Periodic clock-driven refresh: enqueue ``refresh_app`` for every app.

Time moves even when no event arrives (a trial ends, NEW expires, a customer
goes quiet); `refresh_app` re-derives the customers whose `next_change_at`
has passed and recomputes app-level numbers.  Runs at start, then every
``ANALYTICS_REFRESH_SECONDS`` (default 3600).
"""

from __future__ import annotations

import asyncio

import dramatiq
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.logs import get_logger
from crm_shared.messages import RefreshApp, SweepWebhooks, send
from crm_shared.store.registry import all_app_ids

log = get_logger(__name__)


async def enqueue_refresh_for_all_apps(db: AsyncDatabase, broker: dramatiq.Broker) -> list[str]:
    """Send one `refresh_app` per registered app; returns the app ids."""
    app_ids = await all_app_ids(db)
    for app_id in app_ids:
        send(broker, RefreshApp(app_id=app_id))
    log.info("scheduler.enqueued", apps=len(app_ids))
    return app_ids


async def run_scheduler(db: AsyncDatabase, broker: dramatiq.Broker, period_seconds: float,
                        stop: asyncio.Event | None = None) -> None:
    """Enqueue refreshes now and every `period_seconds` until `stop` is set."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            await enqueue_refresh_for_all_apps(db, broker)
        except Exception:  # a Mongo or Redis hiccup must not kill the scheduler
            log.exception("scheduler.tick_failed")
        try:
            await asyncio.wait_for(stop.wait(), timeout=period_seconds)
        except TimeoutError:
            pass


async def run_webhook_sweeper(broker: dramatiq.Broker, period_seconds: float,
                              stop: asyncio.Event | None = None) -> None:
    """Send `sweep_webhooks` now and every `period_seconds` until `stop` is set (docs/alerts.md)."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            send(broker, SweepWebhooks())
        except Exception:  # Redis briefly away: the next tick sends it
            log.exception("scheduler.sweep_failed")
        try:
            await asyncio.wait_for(stop.wait(), timeout=period_seconds)
        except TimeoutError:
            pass
