"""The issue's scenario on the real Mongo wire protocol and Redis, with a local receiver: an import emits
nothing; then changes deliver exactly the expected events, in order per customer, correctly signed; a full
rebuild delivers nothing new; the delivery log shows every attempt."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import timedelta

import httpx

from crm_analytics import jobs
from crm_shared.alerts import signing
from crm_shared.alerts.delivery import DeliveryConfig, deliver_endpoint
from crm_shared.store import customer_events, webhook_deliveries
from tests.alerts.conftest import AlertEnv
from tests.alerts.gql import CREATE, ENDPOINT, client, data, gateway
from tests.alerts.receiver import Receiver
from tests.alerts.scenario import T0, first_import, oracle, run_changes, stored_events
from tests.analytics.raw_factory import APP

CONFIG = DeliveryConfig(timeout=5, concurrency=4, backoff_seconds=0.2, backoff_max_seconds=1)


async def test_changes_deliver_exactly_the_expected_events_signed_and_in_order(
        env: AlertEnv, receiver: Receiver, http: httpx.AsyncClient, redis_url: str) -> None:
    raw = await first_import(env.db, env.job)
    assert await stored_events(env.db) == {}, "the first import emitted events"

    slack = Receiver().start()
    try:
        async with client(gateway(env.db, redis_url, T0 + timedelta(minutes=1))) as c:
            made = (await data(c, env.key, CREATE, {"input": {"url": receiver.url}}))["createWebhookEndpoint"]
            made_slack = (await data(c, env.key, CREATE, {"input": {
                "url": slack.url, "format": "SLACK", "eventTypes": ["CUSTOMER_UNINSTALLED"]}}))["createWebhookEndpoint"]
        json_id, secret = made["endpoint"]["id"], made["signingSecret"]
        assert secret.startswith("whsec_") and made["endpoint"]["format"] == "JSON"

        facts = await run_changes(env.db, env.job, raw)
        expected = oracle(facts["log"])
        assert await stored_events(env.db) == expected
        # the scenario's own changes are among them, as the customer rules say
        assert [t for t, _ in expected[facts["new"]] if t.startswith("customer.")] == [
            "customer.installed", "customer.trial_started", "customer.trial_converted"]
        assert ("segment.entered", "NEW") in expected[facts["new"]]
        assert [t for t, _ in expected[facts["upgrader"]] if t.startswith("customer.")] == ["customer.upgraded"]
        assert ("segment.entered", "saved:big") in expected[facts["upgrader"]]  # a saved segment
        assert [t for t, _ in expected[facts["churner"]] if t.startswith("customer.")] == ["customer.uninstalled"]

        report = await deliver_endpoint(env.db, env.redis, json_id, CONFIG, http)
        slack_report = await deliver_endpoint(env.db, env.redis, made_slack["endpoint"]["id"], CONFIG, http)
        assert report.failed_attempts == 0 and slack_report.delivered == 1

        events = await customer_events.of_organization(env.db, "7001", None, None, 10_000)
        assert len(events) == sum(len(v) for v in expected.values())
        got = receiver.received
        assert sorted(r.headers["crm-event-id"] for r in got) == sorted(e["_id"] for e in events)  # each once
        now = time.time()
        per_customer: dict[str, list[str]] = defaultdict(list)
        for r in got:
            body = r.json()
            assert signing.verify(secret, r.headers["crm-signature"], r.body, now), "bad signature"
            assert body["id"] == r.headers["crm-event-id"] and body["type"] == r.headers["crm-event-type"]
            assert body["appId"] == APP and body["organizationId"] == "7001"
            per_customer[body["data"]["customer"]["id"]].append(body["type"])
        by_seq: dict[str, list[str]] = defaultdict(list)
        for e in sorted(events, key=lambda e: e["seq"]):
            by_seq[str(e["customer_id"])].append(e["type"])
        assert per_customer == by_seq == {k: [t for t, _ in v] for k, v in expected.items()}

        saved = next(r.json() for r in got if r.json()["type"] == "segment.entered"
                     and r.json()["data"]["segment"]["key"] == "saved:big")
        assert saved["data"]["segment"]["name"] == "Big spenders"
        (message,) = slack.bodies()
        assert "uninstalled Alerty" in message["text"] and "/apps/501/customers/" in message["text"]
        assert "crm-signature" not in slack.received[0].headers

        # a full rebuild, and the deliveries run again: nothing new anywhere
        rebuilt = await jobs.rebuild_app(env.job, APP, T0 + timedelta(days=4))
        assert rebuilt.customers_rebuilt > 20
        assert len(await customer_events.of_organization(env.db, "7001", None, None, 10_000)) == len(events)
        again = await deliver_endpoint(env.db, env.redis, json_id, CONFIG, http)
        assert again.delivered == 0 and len(receiver.received) == len(events)

        async with client(gateway(env.db, redis_url, T0 + timedelta(days=4))) as c:
            shown = (await data(c, env.key, ENDPOINT, {"id": json_id}))["webhookEndpoint"]
        assert shown["deliveryCounts"] == {"pending": 0, "delivered": len(events), "failed": 0}
        assert all(d["state"] == "DELIVERED" and d["attempts"] == 1 and d["log"][0]["statusCode"] == 200
                   and d["log"][0]["durationMs"] > 0 for d in shown["deliveries"])
        assert await webhook_deliveries.next_due_at(env.db, json_id) is None
    finally:
        slack.stop()
