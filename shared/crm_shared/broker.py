"""The dramatiq Redis broker every service uses (explicit middleware stack)."""

from __future__ import annotations

from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import AgeLimit, Callbacks, Pipelines, Retries, ShutdownNotifications, TimeLimit

from crm_shared.settings import get_settings


def make_broker(redis_url: str | None = None) -> RedisBroker:
    """A Redis broker with an explicitly ordered middleware stack."""
    url = redis_url or get_settings().redis_url
    broker = RedisBroker(  # type: ignore[no-untyped-call]  # dramatiq's constructor is not annotated
        url=url,
        middleware=[
            AgeLimit(),
            TimeLimit(time_limit=60 * 60 * 1000),
            ShutdownNotifications(),
            Callbacks(),
            Pipelines(),
            Retries(max_retries=5, min_backoff=1000, max_backoff=60_000),
        ],
    )
    for queue in ("sync", "analytics", "webhooks"):
        broker.declare_queue(queue)
    return broker
