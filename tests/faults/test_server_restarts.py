"""Redis and MongoDB restarts during a sync, on private servers (the suite's shared ones must stay up):
workers recover and finish, the gateway answers /readyz 503 and clear GraphQL errors while MongoDB is down and
recovers by itself, and nothing is lost or duplicated."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from crm_devstack.processes import ProcessGroup, free_port, start_redis, start_secantus
from tests.faults.harness import APP, FaultStack, raw_snapshot, start_fault_stack, wait_for, wait_until_converged


@pytest.fixture
def infra(tmp_path: Path) -> Iterator[ProcessGroup]:
    group = ProcessGroup(tmp_path / "infra-logs")
    try:
        yield group
    finally:
        assert group.stop() == [], "a private server survived its stop"


def stop_server(group: ProcessGroup, name_prefix: str, sig: int) -> None:
    """Stop the private server whose process name starts with `name_prefix`."""
    group.stop_one(next(n for n, _p in group.procs if n.startswith(name_prefix)), sig)


def _one_outage_request(stack: FaultStack, i: int) -> httpx.Response:
    """One request of the outage load mix: customer list, profile, or CSV export."""
    headers = {"Authorization": f"Bearer {stack.running.api_key}"}
    if i % 3 == 2:
        url = stack.running.graphql_url.replace("/graphql", "/export/customers.csv")
        return httpx.get(url, params={"appId": APP}, headers=headers, timeout=90)
    page = "customers(first: 50) { totalCount edges { node { name mrr { amount } } } }"
    query = ('{ app(id: "%s") { %s } }' % (APP, page)  # noqa: UP031 - braces of GraphQL read better unescaped
             if i % 3 == 0 else f'{{ app(id: "{APP}") {{ customer(shopId: "gid://partners/Shop/1") {{ name }} }} }}')
    return httpx.post(stack.running.graphql_url, json={"query": query}, headers=headers, timeout=90)


def graphql(stack: FaultStack, query: str) -> httpx.Response:
    return httpx.post(stack.running.graphql_url, json={"query": query},
                      headers={"Authorization": f"Bearer {stack.running.api_key}"}, timeout=90)


def test_redis_restart_losing_queued_messages_then_a_triggered_sync_brings_everything_back(
        services: dict[str, str], tmp_path: Path, infra: ProcessGroup) -> None:
    """Worst case for "messages may be lost": the analytics worker is down while the sync stores everything, so
    every customers_changed is still queued when Redis restarts empty. Checked in order: the workers reconnect and
    the triggered sync really runs; raw data is complete and unduplicated; every customer is derived."""
    port = free_port()
    redis_url = start_redis(infra, port)
    stack = start_fault_stack(tmp_path, services["mongodb_uri"], redis_url, seed=31, shops=50)
    try:
        stack.kill9("analytics-worker")
        wait_for("the first sync to finish", lambda: stack.sync_state().get("state") == "IDLE"
                 and stack.sync_state().get("last_synced_at"), timeout=240)
        stop_server(infra, "redis", signal.SIGKILL)  # every queued message, lease and bucket is gone
        start_redis(infra, port)
        stack.restart("analytics-worker")
        wait_for("the gateway to be ready again",
                 lambda: httpx.get(stack.running.graphql_url.replace("/graphql", "/readyz"), timeout=30)
                 .status_code == 200, timeout=120)
        requests_before = len(stack.sim_admin("requests"))
        r = graphql(stack, f'mutation {{ triggerSync(appId: "{APP}") {{ state }} }}')
        assert r.status_code == 200 and r.json()["data"]["triggerSync"]["state"] in {"QUEUED", "RUNNING"}, r.text
        wait_for("the triggered sync to talk to the Partner API",
                 lambda: len(stack.sim_admin("requests")) > requests_before
                 and stack.sync_state().get("state") == "IDLE", timeout=240)
        snapshot = raw_snapshot(stack.db)
        assert stack.db.partner_events.count_documents({}) == len(snapshot["events"]) > 0
        assert stack.sync_state()["events_synced"] == len(snapshot["events"])
        wait_until_converged(stack, timeout=120)
    finally:
        stack.stop()


def test_mongodb_stop_during_a_sync_gateway_reports_unready_and_everything_recovers(
        tmp_path: Path, infra: ProcessGroup, services: dict[str, str]) -> None:
    port = free_port()
    storage = str(tmp_path / "mongo-data")
    mongo_uri = start_secantus(infra, port, storage)
    stack = start_fault_stack(tmp_path, mongo_uri, seed=37, shops=50)
    readyz = stack.running.graphql_url.replace("/graphql", "/readyz")
    try:
        wait_for("the first sync to store something", lambda: sum(stack.raw_counts()) > 20, timeout=180, interval=0.2)
        stop_server(infra, "secantus", signal.SIGTERM)
        down = httpx.get(readyz, timeout=60)
        outage = graphql(stack, "{ apps { id } }")
        # Gateway load while MongoDB is down: 8 clients, lists, profiles and exports at once.
        with ThreadPoolExecutor(8) as pool:
            under_load = list(pool.map(lambda i: _one_outage_request(stack, i), range(24)))
            healthz = httpx.get(readyz.replace("/readyz", "/healthz"), timeout=60)
        start_secantus(infra, port, storage)
        wait_for("the gateway to recover by itself", lambda: httpx.get(readyz, timeout=60).status_code == 200,
                 timeout=180)
        assert graphql(stack, "{ apps { id } }").json()["data"]["apps"] == [{"id": APP}]
        wait_until_converged(stack, timeout=360)
        # What clients saw while MongoDB was down (checked last so the recovery above is always exercised).
        assert down.status_code == 503 and down.json()["checks"]["mongodb"] is False, down.text
        assert outage.status_code in (200, 503), (outage.status_code, outage.text[:300])
        errors = outage.json()["errors"]
        assert errors[0]["extensions"]["code"] == "UNAVAILABLE" and errors[0]["message"], errors
        assert "Traceback" not in outage.text and "ServerSelectionTimeoutError" not in outage.text
        assert healthz.status_code == 200  # the process stays responsive under the outage load
        for r in under_load:
            assert r.status_code == 503, (r.status_code, r.text[:300])
            assert r.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
            assert r.headers.get("retry-after") == "5"
    finally:
        stack.stop()
