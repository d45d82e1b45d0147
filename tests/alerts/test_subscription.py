"""The live feed: `customerEvents` over graphql-transport-ws on a real uvicorn server, with API-key auth and
tenant scoping."""

from __future__ import annotations

import asyncio
import json
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
from tests.alerts.conftest import OTHER_APP, AlertEnv
from tests.alerts.gql import gateway
from tests.alerts.scenario import NEW_SHOP, T0, first_import
from tests.analytics.raw_factory import APP, charge, store

FEED = "subscription($app: ID!, $types: [CustomerEventType!]) { customerEvents(appId: $app, types: $types) " \
       "{ id type appId customerId occurredAt data } }"
TIMEOUT = 30.0


@pytest.fixture
async def server(env: AlertEnv, redis_url: str) -> AsyncIterator[str]:
    """The gateway on a real uvicorn server in this event loop; yields its ws:// URL."""
    port = free_port()
    config = uvicorn.Config(gateway(env.db, redis_url, T0 + timedelta(minutes=1)), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="off")
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


async def test_subscribers_get_their_apps_events_and_nothing_of_another_organization(
        env: AlertEnv, server: str) -> None:
    raw = await first_import(env.db, env.job)
    mine = await open_feed(server, env.key, APP)
    installs_only = await open_feed(server, env.key, APP, ["CUSTOMER_INSTALLED"], in_header=True)
    theirs = await open_feed(server, env.other_key, OTHER_APP)
    try:
        await new_install(env, raw)
        got = [await next_message(mine) for _ in range(3)]
        assert all(m["type"] == "next" and m["id"] == "1" for m in got), got
        events = [m["payload"]["data"]["customerEvents"] for m in got]
        assert [e["type"] for e in events] == ["CUSTOMER_INSTALLED", "CUSTOMER_TRIAL_STARTED", "SEGMENT_ENTERED"]
        assert {e["appId"] for e in events} == {APP}
        assert events[0]["data"]["customer"]["shopId"] == f"gid://partners/Shop/{NEW_SHOP}"
        only = await next_message(installs_only)
        assert only["payload"]["data"]["customerEvents"]["id"] == events[0]["id"]

        # the other organization's feed: its own event arrives, and it is the first thing it receives
        await record_sync_failed(env.db, OTHER_APP, "run-x", "PermanentError: 401", T0 + timedelta(hours=1))
        first = await next_message(theirs)
        assert first["payload"]["data"]["customerEvents"]["type"] == "SYNC_FAILED"
        assert first["payload"]["data"]["customerEvents"]["appId"] == OTHER_APP
        await record_sync_failed(env.db, APP, "run-y", "PermanentError: 401", T0 + timedelta(hours=1))
        assert (await next_message(mine))["payload"]["data"]["customerEvents"]["type"] == "SYNC_FAILED"
        # the installs-only feed skipped the trial, segment and sync events: its next one is a later install
        await record_sync_failed(env.db, OTHER_APP, "run-z", "PermanentError: 401", T0 + timedelta(hours=1))
        second = await next_message(theirs)
        assert second["payload"]["data"]["customerEvents"]["appId"] == OTHER_APP
    finally:
        for ws in (mine, installs_only, theirs):
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
