"""A sync run that stops on a permanent error (a wrong Partner API token) records one `sync.failed` event, which
an endpoint of the organization receives."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from crm_shared.alerts import endpoints as ops
from crm_shared.alerts.delivery import DeliveryConfig, deliver_endpoint
from crm_shared.broker import make_broker
from crm_shared.clock import utcnow
from crm_shared.errors import PermanentError
from crm_shared.messages import SWEEP_WEBHOOKS, SyncApp
from crm_shared.store import customer_events
from crm_sync.handlers import handle_sync_app
from crm_sync.sync import sync_app
from tests.alerts.receiver import Receiver
from tests.sync.conftest import aredis  # noqa: F401  (the fixture)
from tests.sync.harness import fast_settings, register
from tests.sync.scenario_builder import build_scenario
from tests.sync.sim import running_simulator

APP = "gid://partners/App/101"


async def test_a_permanent_sync_error_is_an_alert(db: AsyncDatabase, aredis: Redis,  # noqa: F811
                                                  receiver: Receiver, http: httpx.AsyncClient) -> None:
    scenario = build_scenario(seed=13, shops=5)
    org = scenario["organization"]["id"]
    with running_simulator(scenario) as sim:
        await register(db, scenario, sim.url, token="prtapi_wrong")
        endpoint, secret = await ops.create_endpoint(db, org, ops.EndpointInput(url=receiver.url,
                                                                                event_types=["sync.failed"]),
                                                     production=False, now=utcnow() - timedelta(minutes=1))
        with pytest.raises(PermanentError):
            await sync_app(db, aredis, APP, settings=fast_settings())
    (event,) = await customer_events.of_organization(db, org, None, None, 10)
    assert event["type"] == "sync.failed" and event["app_id"] == APP and "401" in event["data"]["sync"]["error"]
    report = await deliver_endpoint(db, aredis, endpoint["_id"], DeliveryConfig(timeout=5), http)
    assert report.delivered == 1
    (body,) = receiver.bodies()
    assert body["id"] == event["_id"] and body["type"] == "sync.failed" and body["data"]["sync"]["runId"]


async def test_the_handler_sends_the_alert_on_its_way_at_once(db: AsyncDatabase, aredis: Redis,  # noqa: F811
                                                              redis_url: str) -> None:
    """A permanent error does not wait for the scheduler's sweep (up to WEBHOOK_SWEEP_SECONDS): the sync
    handler enqueues a sweep, which sends each endpoint with due deliveries its delivery message."""
    scenario = build_scenario(seed=13, shops=5)
    broker = make_broker(redis_url)
    try:
        with running_simulator(scenario) as sim:
            await register(db, scenario, sim.url, token="prtapi_wrong")
            await aredis.delete("dramatiq:webhooks", "dramatiq:webhooks.msgs")
            assert await handle_sync_app(db, aredis, broker, SyncApp(app_id=APP, reason="test")) is None
        queued = [json.loads(m) for m in (await aredis.hgetall("dramatiq:webhooks.msgs")).values()]
        assert [m["actor_name"] for m in queued] == [SWEEP_WEBHOOKS]
    finally:
        broker.close()
