"""The dramatiq actors of queue ``webhooks``: `deliver_webhooks(endpoint_id)` and `sweep_webhooks()`.

`deliver_webhooks` runs `crm_shared.alerts.delivery.deliver_endpoint` on its worker thread's event loop
(one httpx client per thread; in production each run opens its own, see `deliver_endpoint`), then sends the
follow-up the run asks for: at once when its time budget ran out or a message arrived meanwhile, delayed
until the next retry is due otherwise.  `sweep_webhooks` (sent by the analytics scheduler every
WEBHOOK_SWEEP_SECONDS) sends `deliver_webhooks` to every endpoint with a due delivery, which recovers
messages lost with Redis and the deliveries a killed worker left pending.

The analytics worker process consumes this queue beside ``analytics`` (``python -m crm_analytics worker``);
``--queue webhooks`` runs a delivery-only worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import dramatiq
import httpx

from crm_shared.actor_runtime import Clients, ThreadRuntime
from crm_shared.alerts.delivery import (
    LEASE_PREFIX,
    DeliveryConfig,
    RunReport,
    claim_wake,
    deliver_endpoint,
    new_client,
)
from crm_shared.lease import time_left, wall_clock
from crm_shared.messages import (
    DELIVER_WEBHOOKS,
    SWEEP_WEBHOOKS,
    WEBHOOKS_QUEUE,
    DeliverWebhooks,
    SweepWebhooks,
    send,
)
from crm_shared.settings import Settings
from crm_shared.store import webhook_deliveries


@dataclass
class _ThreadDelivery:
    clients: Clients
    http: httpx.AsyncClient


async def follow_up(broker: dramatiq.Broker, redis: Any, endpoint_id: str, report: RunReport) -> None:
    """Send what a run asks for next: a message now, or one delayed to the next due retry; when another worker
    held the endpoint, one for when its lease expires (in case that worker died)."""
    if report.busy:
        ttl = await time_left(redis, LEASE_PREFIX + endpoint_id)
        delay = await claim_wake(redis, endpoint_id, wall_clock() + timedelta(seconds=ttl or 0.0))
        if delay is not None:
            send(broker, DeliverWebhooks(endpoint_id=endpoint_id), delay_ms=int(delay * 1000) + 50)
        return
    if report.more or report.again:
        send(broker, DeliverWebhooks(endpoint_id=endpoint_id))
    elif report.next_due_at is not None and report.disabled is None:
        delay = await claim_wake(redis, endpoint_id, report.next_due_at)
        if delay is not None:
            send(broker, DeliverWebhooks(endpoint_id=endpoint_id), delay_ms=int(delay * 1000) + 50)


def declare_webhook_actors(broker: dramatiq.Broker, settings: Settings,
                           config: DeliveryConfig | None = None) -> dict[str, dramatiq.Actor[Any, Any]]:
    """Declare deliver_webhooks and sweep_webhooks on `broker`."""
    cfg = config or DeliveryConfig.from_settings(settings)

    def open_thread() -> _ThreadDelivery:
        return _ThreadDelivery(Clients.open(settings.mongodb_uri, settings.mongodb_db, settings.redis_url),
                               new_client(cfg))

    async def close_thread(resources: _ThreadDelivery) -> None:
        await resources.http.aclose()
        await resources.clients.aclose()

    runtime: ThreadRuntime[_ThreadDelivery] = ThreadRuntime(broker, open_thread, close_thread)

    async def deliver(r: _ThreadDelivery, endpoint_id: str) -> None:
        report = await deliver_endpoint(r.clients.db, r.clients.redis, endpoint_id, cfg, r.http)
        await follow_up(broker, r.clients.redis, endpoint_id, report)

    async def sweep(r: _ThreadDelivery) -> None:
        for endpoint_id in await webhook_deliveries.endpoints_due(r.clients.db, wall_clock()):
            send(broker, DeliverWebhooks(endpoint_id=endpoint_id))

    def deliver_webhooks(endpoint_id: str) -> None:
        msg = DeliverWebhooks(endpoint_id=endpoint_id)
        runtime.run(lambda r: deliver(r, msg.endpoint_id))

    def sweep_webhooks() -> None:
        SweepWebhooks()
        runtime.run(sweep)

    return runtime.declare(WEBHOOKS_QUEUE, {
        DELIVER_WEBHOOKS: (deliver_webhooks, {"max_retries": 3}),
        SWEEP_WEBHOOKS: (sweep_webhooks, {"max_retries": 0}),
    })
