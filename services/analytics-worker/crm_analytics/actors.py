"""The dramatiq actors of queue ``analytics`` (names and payloads from `crm_shared.messages`).

Actors are declared on an explicit broker with `declare_actors`, so the worker
process and the tests bind them to the broker and databases they choose.
Each worker thread keeps one asyncio event loop with its own Mongo and Redis
clients; an actor runs its job on that loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import dramatiq
from dramatiq.middleware import Middleware
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from crm_shared.heartbeat import declare_heartbeat
from crm_shared.clock import utcnow
from crm_shared.messages import (
    ANALYTICS_QUEUE,
    CUSTOMERS_CHANGED,
    REBUILD_APP,
    REFRESH_APP,
    CustomersChanged,
    RebuildApp,
    RefreshApp,
)

from crm_analytics import jobs
from crm_analytics.config import AnalyticsSettings, JobContext

T = TypeVar("T")


@dataclass(frozen=True)
class WorkerEnv:
    """Where the actors' jobs read and write."""

    mongodb_uri: str
    db_name: str
    redis_url: str
    settings: AnalyticsSettings


class _ThreadResources(threading.local):
    runner: asyncio.Runner | None = None
    job: JobContext | None = None
    client: AsyncMongoClient[Any] | None = None

    def close(self) -> None:
        """Close this thread's clients and event loop (called in the thread itself)."""
        if self.runner is None:
            return
        job, client = self.job, self.client

        async def shutdown() -> None:
            if job is not None:
                await job.redis.aclose()
            if client is not None:
                await client.close()

        self.runner.run(shutdown())
        self.runner.close()
        self.runner, self.job, self.client = None, None, None


class _CloseThreadResources(Middleware):
    """Closes a worker thread's event loop and clients when the thread stops."""

    def __init__(self, local: _ThreadResources) -> None:
        self.local = local

    def before_worker_thread_shutdown(self, broker: dramatiq.Broker, thread: Any) -> None:
        self.local.close()


def declare_actors(broker: dramatiq.Broker, env: WorkerEnv) -> dict[str, dramatiq.Actor[Any, Any]]:
    """Declare customers_changed, rebuild_app and refresh_app on `broker`; returns them by name."""
    local = _ThreadResources()
    broker.add_middleware(_CloseThreadResources(local))
    declare_heartbeat(broker, ANALYTICS_QUEUE, env.redis_url)  # the container healthcheck reads it

    def run(make: Callable[[JobContext], Awaitable[T]]) -> T:
        if local.runner is None:
            local.runner = asyncio.Runner()

        async def with_job() -> T:
            if local.job is None:
                client: AsyncMongoClient[Any] = AsyncMongoClient(env.mongodb_uri, tz_aware=True)
                local.client = client
                local.job = JobContext(
                    db=client[env.db_name], redis=Redis.from_url(env.redis_url), broker=broker,
                    settings=env.settings,
                )
            return await make(local.job)

        return local.runner.run(with_job())

    def customers_changed(app_id: str, shop_ids: list[str]) -> None:
        msg = CustomersChanged(app_id=app_id, shop_ids=shop_ids)
        run(lambda job: jobs.customers_changed(job, msg.app_id, msg.shop_ids, utcnow()))

    def rebuild_app(app_id: str) -> None:
        msg = RebuildApp(app_id=app_id)
        run(lambda job: jobs.rebuild_app(job, msg.app_id, utcnow()))

    def refresh_app(app_id: str) -> None:
        msg = RefreshApp(app_id=app_id)
        run(lambda job: jobs.refresh_app(job, msg.app_id, utcnow()))

    return {
        name: dramatiq.actor(fn, broker=broker, actor_name=name, queue_name=ANALYTICS_QUEUE)
        for name, fn in (
            (CUSTOMERS_CHANGED, customers_changed),
            (REBUILD_APP, rebuild_app),
            (REFRESH_APP, refresh_app),
        )
    }
