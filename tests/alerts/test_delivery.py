"""Delivery against local receivers: retries after a receiver comes back, disabling a permanently failing
endpoint, redirects not followed, SSRF refusals in production (also at delivery: DNS rebinding), a slow
receiver not holding the others, replays."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

import httpx

from crm_shared.alerts import endpoints as ops
from crm_shared.alerts.delivery import DeliveryConfig, deliver_endpoint
from crm_shared.alerts.emit import record_sync_failed
from crm_shared.store import webhook_deliveries, webhook_endpoints
from tests.alerts.conftest import ORG, AlertEnv
from tests.alerts.gql import CREATE, ENDPOINT, REPLAY, client, data, gateway, gql
from tests.alerts.receiver import Receiver
from tests.alerts.scenario import T0
from tests.analytics.raw_factory import APP

FAST = DeliveryConfig(timeout=5, concurrency=4, backoff_seconds=0.2, backoff_max_seconds=0.5)


async def endpoint(env: AlertEnv, url: str) -> str:
    doc, _ = await ops.create_endpoint(env.db, ORG, ops.EndpointInput(url=url), production=False, now=T0)
    return doc["_id"]


async def emit(env: AlertEnv, n: int) -> list[str]:
    """`n` sync.failed events of APP (through the real recording path); their ids' run parts."""
    runs = [f"run-{uuid.uuid4().hex[:8]}" for _ in range(n)]
    for run in runs:
        await record_sync_failed(env.db, APP, run, "PermanentError: 401", T0 + timedelta(minutes=5))
    return runs


async def until(condition, timeout: float = 30.0, what: str = "condition") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def test_a_receiver_that_was_down_gets_every_event_once_it_is_back(env: AlertEnv, http: httpx.AsyncClient
                                                                         ) -> None:
    receiver = Receiver().start()
    port = receiver.port
    receiver.stop()  # down: connections are refused
    ep = await endpoint(env, f"http://127.0.0.1:{port}/hook")
    await emit(env, 5)
    report = await deliver_endpoint(env.db, env.redis, ep, FAST, http)
    assert report.delivered == 0 and report.failed_attempts >= 1
    pending = await webhook_deliveries.of_endpoint(env.db, ep, 10)
    assert all(d["state"] == "pending" for d in pending) and len(pending) == 5
    assert any(d["log"] and "ConnectError" in (d["log"][0]["error"] or "") for d in pending)

    back = Receiver(port=port).start()  # up again on the same port
    try:
        async def all_arrived() -> bool:
            await deliver_endpoint(env.db, env.redis, ep, FAST, http)
            return len(set(back.ids())) == 5
        await until(all_arrived, what="the retries")
        docs = await webhook_deliveries.of_endpoint(env.db, ep, 10)
        assert all(d["state"] == "delivered" for d in docs)
        assert any(d["attempts"] >= 2 and d["log"][-1]["status_code"] == 200 and d["log"][0]["status_code"] is None
                   for d in docs)
        (ep_doc,) = await webhook_endpoints.of_organization(env.db, ORG)
        assert ep_doc["enabled"] and ep_doc["consecutive_failures"] == 0
    finally:
        back.stop()


async def test_a_permanently_failing_endpoint_is_disabled_with_its_reason(
        env: AlertEnv, receiver: Receiver, http: httpx.AsyncClient, redis_url: str) -> None:
    receiver.status = 500
    ep = await endpoint(env, receiver.url)
    await emit(env, 2)
    config = DeliveryConfig(timeout=5, backoff_seconds=0.05, backoff_max_seconds=0.1, disable_min_failures=4,
                            disable_after_seconds=0.5)

    async def disabled() -> bool:
        await deliver_endpoint(env.db, env.redis, ep, config, http)
        doc = await webhook_endpoints.get(env.db, ep)
        return doc is not None and not doc["enabled"]
    await until(disabled, what="the endpoint to be disabled")
    doc = await webhook_endpoints.get(env.db, ep)
    assert doc is not None and "attempts in a row failed" in (doc["disabled_reason"] or "")
    assert "HTTP 500" in (doc["disabled_reason"] or "")
    count = len(receiver.received)
    assert count >= 4
    await emit(env, 1)  # a disabled endpoint gets no new deliveries and is not called
    report = await deliver_endpoint(env.db, env.redis, ep, config, http)
    assert report.delivered == 0 and report.failed_attempts == 0 and len(receiver.received) == count
    assert report.inactive and report.next_due_at is None  # its pending deliveries wake nothing up
    async with client(gateway(env.db, redis_url, T0)) as c:
        shown = (await data(c, env.key, ENDPOINT, {"id": ep}))["webhookEndpoint"]
    assert shown["enabled"] is False and "HTTP 500" in shown["disabledReason"]
    assert all(a["statusCode"] == 500 for d in shown["deliveries"] for a in d["log"])

    # enabled again (GraphQL), the receiver fixed: the pending deliveries go out; a replay sends one again
    receiver.status = 200
    async with client(gateway(env.db, redis_url, T0)) as c:
        await data(c, env.key, "mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: {enabled: true}) "
                               "{ enabled } }", {"id": ep})
        await until(lambda: _delivered_all(env, ep, http, config), what="delivery after enabling")
        first = (await webhook_deliveries.of_endpoint(env.db, ep, 10))[0]
        assert (await data(c, env.key, REPLAY, {"id": ep, "event": first["event_id"]}))["replayWebhookEvents"] == 1
        before = len(receiver.received)
        await deliver_endpoint(env.db, env.redis, ep, config, http)
        assert receiver.ids()[before:] == [first["event_id"]]
        ranged = await data(c, env.key, REPLAY, {"id": ep, "from": "2000-01-01T00:00:00Z"})
        # every event of the range the endpoint selects, the one recorded while it was disabled included
        assert ranged["replayWebhookEvents"] == 3
        bad = await gql(c, env.key, REPLAY, {"id": ep})
        assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        other = await gql(c, env.other_key, REPLAY, {"id": ep, "event": first["event_id"]})
        assert other["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def _delivered_all(env: AlertEnv, ep: str, http: httpx.AsyncClient, config: DeliveryConfig) -> bool:
    await deliver_endpoint(env.db, env.redis, ep, config, http)
    return (await webhook_deliveries.counts(env.db, ep))["pending"] == 0


async def test_redirects_are_not_followed(env: AlertEnv, receiver: Receiver, http: httpx.AsyncClient) -> None:
    target = Receiver().start()
    try:
        receiver.redirect_to = target.url
        ep = await endpoint(env, receiver.url)
        await emit(env, 1)
        report = await deliver_endpoint(env.db, env.redis, ep, FAST, http)
        assert report.delivered == 0 and report.status_codes == [302]
        (d,) = await webhook_deliveries.of_endpoint(env.db, ep, 5)
        assert d["state"] == "pending" and "redirects are not followed" in (d["last_error"] or "")
        assert target.received == []
    finally:
        target.stop()


async def test_production_refuses_unsafe_urls_when_saved_and_at_delivery(
        env: AlertEnv, receiver: Receiver, http: httpx.AsyncClient, redis_url: str) -> None:
    async with client(gateway(env.db, redis_url, T0, production=True)) as c:
        for url in ("http://hooks.example.com/x", "https://127.0.0.1/x", "https://10.0.0.8/x",
                    "https://169.254.169.254/latest/meta-data", "https://[::1]/x", "https://localhost/x",
                    "https://192.168.0.10:8443/x"):
            body = await gql(c, env.key, CREATE, {"input": {"url": url}})
            assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", (url, body)
        assert await webhook_endpoints.of_organization(env.db, ORG) == []

    # DNS rebinding: the name resolved to a public address when saved, to loopback at delivery time
    answers = {"hooks.example.com": ["93.184.216.34"]}

    async def resolver(host: str, port: int) -> list[str]:
        return answers[host]
    url = f"https://hooks.example.com:{receiver.port}/hook"
    doc, _ = await ops.create_endpoint(env.db, ORG, ops.EndpointInput(url=url), production=True, now=T0,
                                       resolver=resolver)
    await emit(env, 1)
    answers["hooks.example.com"] = ["127.0.0.1"]
    production = DeliveryConfig(timeout=5, production=True, backoff_seconds=0.2)
    report = await deliver_endpoint(env.db, env.redis, doc["_id"], production, http, resolver=resolver)
    assert report.delivered == 0 and report.failed_attempts == 1
    (d,) = await webhook_deliveries.of_endpoint(env.db, doc["_id"], 5)
    assert (d["last_error"] or "").startswith("refused:") and "127.0.0.1" in (d["last_error"] or "")
    assert receiver.received == []


async def test_a_slow_receiver_does_not_hold_up_another_endpoint(env: AlertEnv, receiver: Receiver,
                                                                 http: httpx.AsyncClient) -> None:
    slow = Receiver(delay=4.0).start()
    try:
        slow_ep = await endpoint(env, slow.url)
        fast_ep = await endpoint(env, receiver.url)
        await emit(env, 12)
        config = DeliveryConfig(timeout=1.0, concurrency=4, backoff_seconds=30)
        started = time.monotonic()
        slow_run = asyncio.create_task(deliver_endpoint(env.db, env.redis, slow_ep, config, http))
        fast = await deliver_endpoint(env.db, env.redis, fast_ep, config, http)
        assert fast.delivered == 12 and len(set(receiver.ids())) == 12
        slow_report = await slow_run
        elapsed = time.monotonic() - started
        # the first timeouts end the slow endpoint's run: what was not attempted waits for its retry
        assert slow_report.delivered == 0 and 1 <= slow_report.failed_attempts <= 4
        assert slow_report.deferred == 12 - slow_report.failed_attempts
        assert elapsed < 12 * config.timeout / 2, elapsed
        docs = await webhook_deliveries.of_endpoint(env.db, slow_ep, 20)
        assert all(d["state"] == "pending" for d in docs)
        assert any("timed out" in (d["last_error"] or "") for d in docs)
    finally:
        slow.stop()


async def test_a_customers_later_events_wait_for_its_failed_one(env: AlertEnv, receiver: Receiver,
                                                                http: httpx.AsyncClient) -> None:
    from crm_shared.alerts.emit import record_customer_changes
    from crm_shared.store import customer_events
    from tests.alerts.test_units import customer, entry

    await customer_events.baseline(env.db, APP, T0 - timedelta(days=1))
    ep = await endpoint(env, receiver.url)
    steps = [entry("INSTALLED", T0 + timedelta(minutes=1)), entry("TRIAL_STARTED", T0 + timedelta(minutes=2), "c1"),
             entry("TRIAL_CONVERTED", T0 + timedelta(minutes=3), "c1")]
    doc = {**customer(steps, []), "_id": f"{APP}|gid://partners/Shop/9", "app_id": APP}
    other = {**customer(steps[:1], []), "_id": f"{APP}|gid://partners/Shop/8", "app_id": APP,
             "shop_id": "gid://partners/Shop/8"}
    await record_customer_changes(env.db, APP, {}, [other, doc], T0 + timedelta(minutes=5))
    events = sorted(await customer_events.of_organization(env.db, ORG, None, None, 10), key=lambda e: e["seq"])
    mine = [e["_id"] for e in events if e["customer_id"] == doc["_id"]]
    assert len(mine) == 3
    receiver.fail_ids = {mine[0]}
    config = DeliveryConfig(timeout=5, backoff_seconds=0.3, backoff_max_seconds=0.3, batch_size=2)
    await deliver_endpoint(env.db, env.redis, ep, config, http)
    # the other customer's event went out; this customer's later events were not even attempted
    assert [i for i in receiver.ids() if i not in mine] == [e["_id"] for e in events if e["_id"] not in mine]
    assert [i for i in receiver.ids() if i in mine] == [mine[0]]
    receiver.fail_ids = set()
    await until(lambda: _delivered_all(env, ep, http, config), what="the retry")
    ok = [r.headers["crm-event-id"] for r in receiver.received if r.headers["crm-event-id"] in mine]
    assert ok == [mine[0], mine[0], mine[1], mine[2]]  # the failed attempt, then the three in order


async def test_production_connects_to_the_checked_address_with_the_hosts_name(env: AlertEnv) -> None:
    """What goes on the wire in production (an httpx mock transport stands for the network, which this machine
    does not have): the request goes to the address just checked, carries the host's name for Host and TLS
    (SNI), and a redirect to a metadata address is not followed."""
    requests: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})

    async def resolver(host: str, port: int) -> list[str]:
        return {"hooks.example.com": ["93.184.216.34"]}[host]

    doc, _ = await ops.create_endpoint(env.db, ORG, ops.EndpointInput(url="https://hooks.example.com/crm?x=1"),
                                       production=True, now=T0, resolver=resolver)
    await emit(env, 1)
    config = DeliveryConfig(timeout=5, production=True)
    async with httpx.AsyncClient() as unused:
        report = await deliver_endpoint(
            env.db, env.redis, doc["_id"], config, unused, resolver=resolver,
            client_factory=lambda: httpx.AsyncClient(transport=httpx.MockTransport(answer)))
    (request,) = requests  # one request: the redirect was not followed
    assert str(request.url) == "https://93.184.216.34/crm?x=1"
    assert request.headers["host"] == "hooks.example.com"
    assert request.extensions["sni_hostname"] == "hooks.example.com"
    assert report.status_codes == [302] and report.delivered == 0


async def test_an_endpoint_answering_410_gone_is_disabled_at_once(env: AlertEnv, receiver: Receiver,
                                                                  http: httpx.AsyncClient) -> None:
    receiver.status = 410
    ep = await endpoint(env, receiver.url)
    await emit(env, 3)
    report = await deliver_endpoint(env.db, env.redis, ep, FAST, http)
    assert report.disabled == "the receiver answered 410 Gone" and report.failed_attempts >= 1
    doc = await webhook_endpoints.get(env.db, ep)
    assert doc is not None and doc["enabled"] is False and "410" in (doc["disabled_reason"] or "")
    assert (await webhook_deliveries.counts(env.db, ep))["pending"] == 3  # kept: enabling sends them
