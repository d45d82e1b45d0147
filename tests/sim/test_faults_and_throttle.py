"""Throttling (per access token) and injected faults, as the sync worker will meet them."""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from partner_sim.config import SimConfig
from partner_sim.scenario import scenario_from_dict
from partner_sim.server import SimServer
from tests.sim.conftest import APP, TOKEN, gql, rel_event, small_scenario_dict
from tests.waiting import wait_for

THROTTLED = {"errors": [{"message": "Too many requests", "extensions": {"code": "429"}}]}
PING = "{ publicApiVersions { handle } }"


@pytest.fixture(scope="module")
def slow_bucket() -> Iterator[SimServer]:
    """Throttling on at one request per 5 s (so a slow machine still sees the second call throttled)."""
    config = SimConfig(throttle=True, rate=0.2, burst=1)
    with SimServer(scenario_from_dict(copy.deepcopy(small_scenario_dict())), config) as server:
        yield server


@pytest.fixture
def throttled_client(slow_bucket: SimServer) -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as c:
        c.post(f"{slow_bucket.base_url}/_admin/reset").raise_for_status()
        yield c


def test_calls_beyond_the_bucket_get_429_with_the_production_body(throttled_client: httpx.Client,
                                                                  slow_bucket: SimServer) -> None:
    first = gql(throttled_client, slow_bucket, PING)
    second = gql(throttled_client, slow_bucket, PING)
    assert first.status_code == 200
    assert second.status_code == 429
    assert second.json() == THROTTLED
    assert second.headers["Retry-After"] == "1"
    log = throttled_client.get(f"{slow_bucket.base_url}/_admin/requests").json()
    assert [(e["status"], e["throttled"], e["token"]) for e in log] == [(200, False, TOKEN), (429, True, TOKEN)]
    assert log[0]["t"] <= log[1]["t"]


def test_throttled_calls_can_come_inside_http_200(throttled_client: httpx.Client, slow_bucket: SimServer) -> None:
    throttled_client.post(f"{slow_bucket.base_url}/_admin/faults",
                          json={"throttle_in_200_rate": 1.0}).raise_for_status()
    gql(throttled_client, slow_bucket, PING)
    resp = gql(throttled_client, slow_bucket, PING)
    assert resp.status_code == 200
    assert resp.json() == THROTTLED


@pytest.mark.services
def test_the_bucket_refills_at_the_configured_rate() -> None:
    config = SimConfig(throttle=True, rate=20, burst=1)
    with SimServer(scenario_from_dict(copy.deepcopy(small_scenario_dict())), config) as server, \
            httpx.Client(timeout=30) as c:
        statuses = []
        deadline = time.monotonic() + 60
        while 200 not in statuses[1:] and time.monotonic() < deadline:
            statuses.append(gql(c, server, PING).status_code)
            if statuses[-1] == 429:
                time.sleep(0.1)  # two tokens' worth at 20/s
        assert statuses[0] == 200 and 200 in statuses[1:]


def test_storm_throttles_the_next_n_requests_even_with_throttling_off(client: httpx.Client, sim: SimServer) -> None:
    client.post(f"{sim.base_url}/_admin/faults", json={"storm_429_requests": 3}).raise_for_status()
    statuses = [gql(client, sim, PING).status_code for _ in range(4)]
    assert statuses == [429, 429, 429, 200]


def test_injected_5xx_carries_a_request_id(client: httpx.Client, sim: SimServer) -> None:
    client.post(f"{sim.base_url}/_admin/faults", json={"error_rate": 1.0}).raise_for_status()
    resp = gql(client, sim, PING)
    assert resp.status_code == 500
    request_id = resp.headers["X-Request-Id"]
    message = resp.json()["errors"][0]["message"]
    assert message.startswith("Internal error")
    assert re.search(r"Request ID: ([0-9a-f-]{36})", message).group(1) == request_id  # type: ignore[union-attr]


def test_error_rate_is_a_fraction_of_requests(client: httpx.Client, sim: SimServer) -> None:
    client.post(f"{sim.base_url}/_admin/faults", json={"error_rate": 0.5, "seed": 3}).raise_for_status()
    statuses = [gql(client, sim, PING).status_code for _ in range(40)]
    assert 0 < statuses.count(500) < 40 and statuses.count(200) + statuses.count(500) == 40


def test_slow_responses_take_at_least_the_configured_delay(client: httpx.Client, sim: SimServer) -> None:
    client.post(f"{sim.base_url}/_admin/faults", json={"slow_ms": 300}).raise_for_status()
    started = time.monotonic()
    assert gql(client, sim, PING).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_dropped_connection_sends_no_response(client: httpx.Client, sim: SimServer) -> None:
    client.post(f"{sim.base_url}/_admin/faults", json={"drop_rate": 1.0}).raise_for_status()
    # The server closes the socket without a byte of response: depending on timing the client sees the close
    # (RemoteProtocolError) or a reset (ReadError); both are transport errors the sync worker retries.
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        gql(client, sim, PING)
    log = client.get(f"{sim.base_url}/_admin/requests").json()
    assert log[-1]["dropped"] is True and log[-1]["status"] == 0


def test_late_event_appears_only_after_its_wall_clock_time(client: httpx.Client, sim: SimServer) -> None:
    visible_after = (datetime.now(timezone.utc) + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    late = rel_event("RELATIONSHIP_UNINSTALLED", "2026-02-27T00:00:00Z", 1, reason="Too expensive")
    resp = client.post(f"{sim.base_url}/_admin/faults", json={"late_events": [late], "visible_after": visible_after})
    assert resp.json()["late_events"] == 1
    q = ('query($id: ID!) { app(id: $id) { events(first: 50, types: [RELATIONSHIP_UNINSTALLED]) '
         '{ edges { node { occurredAt } } } } }')

    def uninstalls() -> list[str]:
        body = gql(client, sim, q, {"id": APP}).json()
        return [e["node"]["occurredAt"] for e in body["data"]["app"]["events"]["edges"]]

    assert "2026-02-27T00:00:00Z" not in uninstalls()
    wait_for("the late event to appear", lambda: "2026-02-27T00:00:00Z" in uninstalls(), timeout=60)
    assert uninstalls()[0] == "2026-02-27T00:00:00Z"


def test_append_adds_events_and_transactions_at_runtime(client: httpx.Client, sim: SimServer) -> None:
    resp = client.post(f"{sim.base_url}/_admin/append", json={
        "events": [rel_event("RELATIONSHIP_INSTALLED", "2026-02-28T10:00:00Z", 9)],
        "transactions": [{"__typename": "AppUsageSale", "id": "gid://partners/AppUsageSale/9001",
                          "createdAt": "2026-03-02T11:00:00Z", "app": {"id": APP}, "shop": None, "chargeId": None,
                          "grossAmount": {"amount": "1.00", "currencyCode": "USD"},
                          "netAmount": {"amount": "0.85", "currencyCode": "USD"},
                          "shopifyFee": {"amount": "0.15", "currencyCode": "USD"}}]})
    assert resp.json() == {"events": 1, "transactions": 1}
    body = gql(client, sim, 'query($id: ID!) { app(id: $id) { events(first: 1) { edges { node { shop { id } } } } } '
                            'transactions(first: 1) { edges { node { id ... on AppUsageSale { shop { id } } } } } }',
               {"id": APP}).json()
    assert body["data"]["app"]["events"]["edges"][0]["node"]["shop"]["id"] == "gid://partners/Shop/9"
    assert body["data"]["transactions"]["edges"][0]["node"] == {"id": "gid://partners/AppUsageSale/9001",
                                                                 "shop": None}


def test_reset_restores_the_scenario_and_clears_faults_and_log(client: httpx.Client, sim: SimServer) -> None:
    client.post(f"{sim.base_url}/_admin/append", json={"events": [rel_event("RELATIONSHIP_INSTALLED",
                                                                            "2026-02-28T10:00:00Z", 9)]})
    client.post(f"{sim.base_url}/_admin/faults", json={"error_rate": 1.0})
    client.post(f"{sim.base_url}/_admin/reset").raise_for_status()
    assert client.get(f"{sim.base_url}/_admin/requests").json() == []
    health = client.get(f"{sim.base_url}/_admin/healthz").json()
    assert health == {"ok": True, "organization": "1234567", "apps": 1, "events": 8, "transactions": 7}
    assert gql(client, sim, PING).status_code == 200


def test_invalid_fault_settings_are_rejected(client: httpx.Client, sim: SimServer) -> None:
    assert client.post(f"{sim.base_url}/_admin/faults", json={"error_rate": 2}).status_code == 400
    assert client.post(f"{sim.base_url}/_admin/faults", json={"explode": True}).status_code == 400
    bad_event = {"type": "RELATIONSHIP_INSTALLED"}
    assert client.post(f"{sim.base_url}/_admin/append", json={"events": [bad_event]}).status_code == 400
