"""The dramatiq actors of queue ``analytics`` (names and payloads from `crm_shared.messages`).

`declare_actors` declares them on the broker it is given (nothing happens at
import time); each runs its job on its worker thread's event loop
(`crm_shared.actor_runtime`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dramatiq

from crm_analytics import jobs
from crm_analytics.config import JobContext
from crm_shared.actor_runtime import Clients, ThreadRuntime
from crm_shared.clock import utcnow
from crm_shared.heartbeat import declare_heartbeat
from crm_shared.messages import (
    ANALYTICS_QUEUE,
    CUSTOMERS_CHANGED,
    REBUILD_APP,
    REFRESH_APP,
    CustomersChanged,
    RebuildApp,
    RefreshApp,
)
from crm_shared.settings import Settings


@dataclass
class _ThreadJob:
    clients: Clients
    job: JobContext


def declare_actors(broker: dramatiq.Broker, settings: Settings) -> dict[str, dramatiq.Actor[Any, Any]]:
    """Declare customers_changed, rebuild_app and refresh_app on `broker`; returns them by name."""

    def open_job() -> _ThreadJob:
        clients = Clients.open(settings.mongodb_uri, settings.mongodb_db, settings.redis_url)
        return _ThreadJob(clients, JobContext(db=clients.db, redis=clients.redis, broker=broker, settings=settings))

    async def close_job(resources: _ThreadJob) -> None:
        await resources.clients.aclose()

    runtime: ThreadRuntime[_ThreadJob] = ThreadRuntime(broker, open_job, close_job)
    declare_heartbeat(broker, ANALYTICS_QUEUE, settings.redis_url)  # the container healthcheck reads it

    def customers_changed(app_id: str, shop_ids: list[str]) -> None:
        msg = CustomersChanged(app_id=app_id, shop_ids=shop_ids)
        runtime.run(lambda r: jobs.customers_changed(r.job, msg.app_id, msg.shop_ids, utcnow()))

    def rebuild_app(app_id: str) -> None:
        msg = RebuildApp(app_id=app_id)
        runtime.run(lambda r: jobs.rebuild_app(r.job, msg.app_id, utcnow()))

    def refresh_app(app_id: str) -> None:
        msg = RefreshApp(app_id=app_id)
        runtime.run(lambda r: jobs.refresh_app(r.job, msg.app_id, utcnow()))

    return runtime.declare(ANALYTICS_QUEUE, {
        CUSTOMERS_CHANGED: (customers_changed, {}),
        REBUILD_APP: (rebuild_app, {}),
        REFRESH_APP: (refresh_app, {}),
    })
