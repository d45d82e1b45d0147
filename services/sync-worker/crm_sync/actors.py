"""The dramatiq actors of queue ``sync`` (names and payloads from crm_shared.messages).

Importing this module installs the Redis broker (with the AsyncIO middleware
the async actors need) as dramatiq's global broker; `python -m crm_sync
worker` points the dramatiq CLI at it.
"""

from __future__ import annotations

from typing import Any

import dramatiq
from dramatiq.middleware import Middleware
from dramatiq.middleware.asyncio import AsyncIO
from redis.asyncio import Redis

from crm_shared.broker import install_broker
from crm_shared.heartbeat import declare_heartbeat
from crm_shared.messages import BACKFILL_APP, INGEST_SHOP_PROFILES, SYNC_APP, SYNC_QUEUE
from crm_shared.mongo import get_db
from crm_shared.settings import get_settings
from crm_sync import client, handlers, metrics
from crm_sync.config import get_config


class MetricsServer(Middleware):
    """Serve Prometheus metrics from the worker process (SYNC_METRICS_PORT)."""

    def after_process_boot(self, broker: dramatiq.Broker) -> None:
        try:
            metrics.serve(get_config().metrics_port)
        except OSError:  # a second worker process on the same port
            pass


class WarmUp(Middleware):
    """Build the Partner API schema and TLS context when a worker process boots, not in its first sync."""

    def after_process_boot(self, broker: dramatiq.Broker) -> None:
        client.warm_up()


broker = install_broker()
broker.add_middleware(AsyncIO())
broker.add_middleware(MetricsServer())
broker.add_middleware(WarmUp())
declare_heartbeat(broker, SYNC_QUEUE, get_settings().redis_url)  # the container healthcheck reads it

_redis: Redis | None = None


def _redis_client() -> Redis:
    """One asyncio Redis client per worker process (created on the event loop thread)."""
    global _redis
    if _redis is None:
        _redis = Redis.from_url(get_settings().redis_url)
    return _redis


HOUR_MS = 3_600_000


# Long time limits: a first sync of a big app runs for hours at 4 requests/s; if a limit or a
# crash stops one anyway, the retried message resumes from the last checkpoint.
@dramatiq.actor(actor_name=SYNC_APP, queue_name=SYNC_QUEUE, max_retries=5, time_limit=12 * HOUR_MS)
async def sync_app(app_id: str, reason: str = "scheduled") -> None:
    """Incremental sync of one app."""
    await handlers.handle_sync_app(get_db(), _redis_client(), broker, app_id, reason)


@dramatiq.actor(actor_name=BACKFILL_APP, queue_name=SYNC_QUEUE, max_retries=5, time_limit=72 * HOUR_MS)
async def backfill_app(app_id: str, since: str | None = None, reason: str = "manual") -> None:
    """Full history of one app, in bounded windows."""
    await handlers.handle_backfill_app(get_db(), _redis_client(), broker, app_id, since, reason)


@dramatiq.actor(actor_name=INGEST_SHOP_PROFILES, queue_name=SYNC_QUEUE, max_retries=5)
async def ingest_shop_profiles(app_id: str, profiles: list[dict[str, Any]]) -> None:
    """Facts the partner's app reports about its shops."""
    await handlers.handle_ingest_shop_profiles(get_db(), broker, app_id, profiles)
