"""Property: for any filters and page size, paging through ``App.events`` and ``transactions``
returns exactly the filtered records, newest first, each once."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partner_sim.config import SimConfig
from partner_sim.generator import generate
from partner_sim.graphql_endpoint import run_query
from partner_sim.scenario import scenario_from_dict
from partner_sim.state import SimState

NOW = datetime(2026, 7, 15, tzinfo=timezone.utc)
ORG = generate(seed=31, apps=2, shops=60, years=1, now=NOW)
STATE = SimState(scenario_from_dict(copy.deepcopy(ORG.scenario)), SimConfig(throttle=False))
APP = "gid://partners/App/101"
APP_EVENTS = [e for e in ORG.scenario["events"] if e["app"]["id"] == APP]
SHOPS = sorted({e["shop"]["id"] for e in APP_EVENTS})
TYPES = sorted({e["type"] for e in APP_EVENTS})
TIMES = sorted({e["occurredAt"] for e in APP_EVENTS})

EVENTS_Q = """query($app: ID!, $first: Int, $after: String, $types: [AppEventTypes!], $shopId: ID,
  $min: DateTime, $max: DateTime) { app(id: $app) { events(first: $first, after: $after, types: $types,
  shopId: $shopId, occurredAtMin: $min, occurredAtMax: $max) { edges { cursor node { type occurredAt shop { id } } }
  pageInfo { hasNextPage } } } }"""
TXNS_Q = """query($first: Int, $after: String, $shopId: ID, $types: [TransactionType!]) { transactions(first: $first,
  after: $after, shopId: $shopId, types: $types) {
    edges { cursor node { id createdAt } } pageInfo { hasNextPage } } }"""


def _pages(query: str, variables: dict[str, Any], path: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    after = None
    for _ in range(10_000):
        body = run_query(STATE, "2026-04", query, {**variables, "after": after}, None)
        assert "errors" not in body, body
        conn: Any = body["data"]
        for key in path:
            conn = conn[key]
        out += [e["node"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            return out
        assert conn["edges"], "hasNextPage with an empty page"
        after = conn["edges"][-1]["cursor"]
    raise AssertionError("paging did not end")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=st.integers(1, 40),
       types=st.none() | st.lists(st.sampled_from(TYPES), min_size=1, max_size=4, unique=True),
       shop=st.none() | st.sampled_from(SHOPS),
       bounds=st.none() | st.tuples(st.sampled_from(TIMES), st.sampled_from(TIMES)))
def test_event_pages_are_the_filtered_history_newest_first(first: int, types: list[str] | None, shop: str | None,
                                                           bounds: tuple[str, str] | None) -> None:
    lo, hi = sorted(bounds) if bounds else (None, None)
    expected = [
        (i, e) for i, e in enumerate(APP_EVENTS)
        if (types is None or e["type"] in types) and (shop is None or e["shop"]["id"] == shop)
        and (lo is None or lo <= e["occurredAt"]) and (hi is None or e["occurredAt"] <= hi)
    ]
    expected.sort(key=lambda p: (p[1]["occurredAt"], p[0]), reverse=True)
    got = _pages(EVENTS_Q, {"app": APP, "first": first, "types": types, "shopId": shop, "min": lo, "max": hi},
                 ["app", "events"])
    assert [(n["type"], n["occurredAt"], n["shop"]["id"]) for n in got] == [
        (e["type"], e["occurredAt"], e["shop"]["id"]) for _, e in expected]


TXN_TYPES = {"AppSubscriptionSale": "APP_SUBSCRIPTION_SALE", "AppUsageSale": "APP_USAGE_SALE",
             "AppOneTimeSale": "APP_ONE_TIME_SALE", "AppSaleAdjustment": "APP_SALE_ADJUSTMENT",
             "AppSaleCredit": "APP_SALE_CREDIT"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=st.integers(1, 60), shop=st.none() | st.sampled_from(SHOPS),
       types=st.none() | st.lists(st.sampled_from(sorted(TXN_TYPES.values())), min_size=1, max_size=3, unique=True))
def test_transaction_pages_hold_each_current_version_once(first: int, shop: str | None,
                                                          types: list[str] | None) -> None:
    latest = {t["id"]: t for t in ORG.scenario["transactions"]}
    expected = {i for i, t in latest.items()
                if (shop is None or t["shop"]["id"] == shop) and (types is None or TXN_TYPES[t["__typename"]] in types)}
    variables = {"first": first, "types": types, **({"shopId": shop} if shop else {})}  # shopId: null is invalid
    got = _pages(TXNS_Q, variables, ["transactions"])
    assert len(got) == len(expected) and {n["id"] for n in got} == expected
    times = [n["createdAt"] for n in got]
    assert times == sorted(times, reverse=True)
