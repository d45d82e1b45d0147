"""The live feed: `customerEvents` over graphql-transport-ws on a real uvicorn server, with API-key auth and
tenant scoping."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from crm_analytics import jobs
from crm_devstack.processes import free_port
from crm_shared.alerts.emit import record_sync_failed
from crm_shared.alerts.events import SYNC_FAILED, event_id
from tests.alerts.conftest import OTHER_APP, AlertEnv
from tests.alerts.gql import gateway
from tests.alerts.scenario import NEW_SHOP, T0, first_import
from tests.analytics.raw_factory import APP, charge, store

FEED = "subscription($app: ID!, $types: [CustomerEventType!]) { customerEvents(appId: $app, types: $types) " \
       "{ id type appId customerId occurredAt data } }"
TIMEOUT = 30.0


@pytest.fixture(params=["fast-executor", "standard-executor"])
async def server(request: pytest.FixtureRequest, env: AlertEnv, redis_url: str) -> AsyncIterator[str]:
    """The gateway on a real uvicorn server in this event loop, with GATEWAY_FAST_EXECUTION on and off (the
    subscription must answer the same on both); yields its ws:// URL."""
    from crm_shared.settings import get_settings

    saved = os.environ.get("GATEWAY_FAST_EXECUTION")
    os.environ["GATEWAY_FAST_EXECUTION"] = "true" if request.param == "fast-executor" else "false"
    get_settings.cache_clear()
    try:
        app = gateway(env.db, redis_url, T0 + timedelta(minutes=1))  # the schema reads the setting once, here
    finally:
        if saved is None:
            del os.environ["GATEWAY_FAST_EXECUTION"]
        else:
            os.environ["GATEWAY_FAST_EXECUTION"] = saved
        get_settings.cache_clear()
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    task = asyncio.create_task(srv.serve())
    while not srv.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        srv.should_exit = True
        await task


async def open_feed(url: str, key: str | None, app: str, types: list[str] | None = None,
                    in_header: bool = False) -> ClientConnection:
    headers = {"Authorization": f"Bearer {key}"} if key and in_header else {}
    ws = await connect(url, subprotocols=["graphql-transport-ws"], additional_headers=headers)  # type: ignore[list-item]
    init: dict[str, Any] = {"type": "connection_init"}
    if key and not in_header:
        init["payload"] = {"Authorization": f"Bearer {key}"}
    await ws.send(json.dumps(init))
    ack = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
    assert ack["type"] == "connection_ack", ack
    await ws.send(json.dumps({"id": "1", "type": "subscribe",
                              "payload": {"query": FEED, "variables": {"app": app, "types": types}}}))
    return ws


async def next_message(ws: ClientConnection) -> dict[str, Any]:
    return dict(json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT)))


async def new_install(env: AlertEnv, raw: Any) -> None:
    raw.event(NEW_SHOP, "RelationshipInstalled", "RELATIONSHIP_INSTALLED", T0 + timedelta(minutes=10))
    raw.subscription(NEW_SHOP, "SUBSCRIPTION_CHARGE_ACTIVATED", T0 + timedelta(minutes=15),
                     charge(5001, "Pro", "29.00", "USD", T0 + timedelta(minutes=15, days=3)))
    shop = f"gid://partners/Shop/{NEW_SHOP}"
    await store(env.db, raw, {shop})
    await jobs.customers_changed(env.job, APP, [shop], T0 + timedelta(hours=1))


async def probe(env: AlertEnv, app: str, *feeds: ClientConnection) -> None:
    """Wait until `feeds` are live, and leave nothing unread on them.

    A client cannot know when the server has started its subscription (the feed starts at that moment), so a
    sync.failed probe event of `app` is recorded until one reaches every feed; then a last probe, read up to on
    each feed, consumes the earlier probes that reached the feeds that were live first."""
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    waiting = list(feeds)
    rounds = 0
    while True:
        rounds += 1
        run = f"probe-{uuid.uuid4().hex[:8]}"
        await record_sync_failed(env.db, app, run, "probe", T0 + timedelta(hours=1))
        wanted = event_id(app, SYNC_FAILED, run)
        still = []
        for ws in waiting if waiting else feeds:
            try:
                while True:
                    event = json.loads(await asyncio.wait_for(ws.recv(), 1.0))["payload"]["data"]["customerEvents"]
                    assert event["type"] == "SYNC_FAILED" and event["appId"] == app, event
                    if event["id"] == wanted:
                        break
            except TimeoutError:
                still.append(ws)
        if not waiting:
            return  # the last probe was read up to on every feed
        assert asyncio.get_running_loop().time() < deadline, "the subscriptions never started"
        waiting = still


async def test_subscribers_get_their_apps_events_and_nothing_of_another_organization(
        env: AlertEnv, server: str) -> None:
    raw = await first_import(env.db, env.job)
    mine = await open_feed(server, env.key, APP)
    installs = await open_feed(server, env.key, APP, ["CUSTOMER_INSTALLED", "SYNC_FAILED"], in_header=True)
    theirs = await open_feed(server, env.other_key, OTHER_APP)
    try:
        await probe(env, APP, mine, installs)
        await probe(env, OTHER_APP, theirs)  # the first thing the other organization receives: its own event
        await new_install(env, raw)
        got = [await next_message(mine) for _ in range(3)]
        assert all(m["type"] == "next" and m["id"] == "1" for m in got), got
        events = [m["payload"]["data"]["customerEvents"] for m in got]
        assert [e["type"] for e in events] == ["CUSTOMER_INSTALLED", "CUSTOMER_TRIAL_STARTED", "SEGMENT_ENTERED"]
        assert {e["appId"] for e in events} == {APP}
        assert events[0]["data"]["customer"]["shopId"] == f"gid://partners/Shop/{NEW_SHOP}"
        only = await next_message(installs)  # the trial and segment events were filtered out
        assert only["payload"]["data"]["customerEvents"]["id"] == events[0]["id"]
        # nothing of the install reached the other organization: its next message is its own next event
        await record_sync_failed(env.db, OTHER_APP, "run-z", "PermanentError: 401", T0 + timedelta(hours=1))
        second = (await next_message(theirs))["payload"]["data"]["customerEvents"]
        assert second["appId"] == OTHER_APP and second["type"] == "SYNC_FAILED"
    finally:
        for ws in (mine, installs, theirs):
            await ws.close()


async def test_another_organizations_app_and_missing_keys_are_refused(env: AlertEnv, server: str) -> None:
    ws = await open_feed(server, env.other_key, APP)
    try:
        message = await next_message(ws)  # the operation fails (an `error`, or a `next` with only errors)
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert message["type"] == "error" or message["payload"]["data"] is None, message
        assert errors[0]["extensions"]["code"] == "NOT_FOUND" and "no app with id" in errors[0]["message"]
    finally:
        await ws.close()
    ws = await open_feed(server, env.key, APP, ["NOT_A_TYPE"])
    try:
        message = await next_message(ws)
        assert message["type"] == "error" and message["payload"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    finally:
        await ws.close()
    for key in (None, "crm_wrong"):
        ws = await connect(server, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
        init: dict[str, Any] = {"type": "connection_init"}
        if key:
            init["payload"] = {"Authorization": f"Bearer {key}"}
        await ws.send(json.dumps(init))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), TIMEOUT)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_a_subscription_over_http_is_refused_with_a_code(env: AlertEnv, redis_url: str) -> None:
    from tests.alerts.gql import client, gql

    async with client(gateway(env.db, redis_url, T0)) as c:
        body = await gql(c, env.key, FEED, {"app": APP})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "WebSocket" in body["errors"][0]["message"]


async def test_a_page_of_another_origin_cannot_open_the_feed(env: AlertEnv, server: str) -> None:
    from websockets.exceptions import InvalidStatus

    with pytest.raises(InvalidStatus) as refused:
        await connect(server, subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                      origin="https://evil.example")  # type: ignore[arg-type]
    assert refused.value.response.status_code == 403


async def test_a_burst_larger_than_a_page_streams_every_event_once_in_order(env: AlertEnv, server: str) -> None:
    from crm_shared.alerts.emit import record_customer_changes
    from crm_shared.store import customer_events

    await customer_events.baseline(env.db, APP, T0 - timedelta(days=1))
    ws = await open_feed(server, env.key, APP)
    try:
        await probe(env, APP, ws)
        docs = [{"_id": f"{APP}|gid://partners/Shop/{n}", "app_id": APP, "shop_id": f"gid://partners/Shop/{n}",
                 "name": f"Shop {n}", "segments": [],
                 "timeline": [{"type": "INSTALLED", "occurred_at": T0 + timedelta(minutes=1), "charge_id": None}]}
                for n in range(1, 1201)]  # one batch: 1,200 events with one created_at
        await record_customer_changes(env.db, APP, {}, docs, T0 + timedelta(hours=1))
        got = [(await next_message(ws))["payload"]["data"]["customerEvents"] for _ in range(1200)]
        stored = sorted([e for e in await customer_events.of_organization(env.db, "7001", None, None, 5000)
                         if e["type"] != "sync.failed"], key=lambda e: (e["created_at"], e["seq"]))
        assert [e["id"] for e in got] == [e["_id"] for e in stored] and len(set(e["id"] for e in got)) == 1200
    finally:
        await ws.close()
