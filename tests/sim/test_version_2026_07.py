"""Version 2026-07: the root ``events`` query and ``activeSubscription``, derived from the same history."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

from partner_sim.config import SimConfig
from partner_sim.scenario import scenario_from_dict
from partner_sim.server import SimServer
from tests.sim.conftest import gql, small_scenario_dict

V = "2026-07"
EVENTS = """
query($filter: EventFilterInput, $order: EventOrder, $first: Int, $after: String) {
  events(filter: $filter, orderBy: $order, first: $first, after: $after) {
    edges { cursor node { __typename id eventType occurredAt shop { id name myshopifyDomain }
      subject { ... on AppReference { id name apiKey } }
      ... on SubscriptionStatus { subState: state cancelEffectiveOn
            plan { handle billingPeriod trialDays trialDaysRemaining
                   prices { ... on FlatRatePrice { amount currency } } } }
      ... on Relationship { relState: state reason reasonDescription }
      ... on Earning { earningType chargeId grossAmount { amount currencyCode } netAmount { amount } }
      ... on Charge { chargeType liveChargeId: chargeId amount { amount } } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""
APP_2026 = "gid://shopify/App/101"


def events(client: httpx.Client, sim: SimServer, **variables: Any) -> dict[str, Any]:
    body = gql(client, sim, EVENTS, {"first": 250, **variables}, version=V).json()
    assert "errors" not in body, body
    return body["data"]["events"]  # type: ignore[no-any-return]


def error_of(client: httpx.Client, sim: SimServer, **variables: Any) -> str:
    body = gql(client, sim, EVENTS, {"first": 10, **variables}, version=V).json()
    return body["errors"][0]["message"]  # type: ignore[no-any-return]


def test_no_bounds_means_the_last_30_days(client: httpx.Client, sim: SimServer) -> None:
    conn = events(client, sim)
    times = [e["node"]["occurredAt"] for e in conn["edges"]]
    assert times and all("2026-01-30T00:00:00Z" <= t <= "2026-03-01T00:00:00Z" for t in times)
    assert times == sorted(times, reverse=True)
    assert len(times) == 10
    assert conn["pageInfo"]["endCursor"] == conn["edges"][-1]["cursor"]


def test_every_event_has_a_stable_id(client: httpx.Client, sim: SimServer) -> None:
    ids = [e["node"]["id"] for e in events(client, sim)["edges"]]
    assert len(set(ids)) == len(ids) and all(i.startswith("gid://shopify/PartnerEvent/") for i in ids)
    assert ids == [e["node"]["id"] for e in events(client, sim)["edges"]]


def test_ascending_order_and_paging(client: httpx.Client, sim: SimServer) -> None:
    first = events(client, sim, order="OCCURRED_AT_ASC", first=4)
    rest = events(client, sim, order="OCCURRED_AT_ASC", first=250, after=first["pageInfo"]["endCursor"])
    times = [e["node"]["occurredAt"] for e in first["edges"] + rest["edges"]]
    assert times == sorted(times) and len(times) == 10
    assert first["pageInfo"]["hasNextPage"] and not rest["pageInfo"]["hasNextPage"]


def test_range_over_365_days_is_an_error(client: httpx.Client, sim: SimServer) -> None:
    message = error_of(client, sim, filter={"occurredAtMin": "2024-01-01T00:00:00Z",
                                            "occurredAtMax": "2026-01-02T00:00:00Z"})
    assert message == "The occurredAt range cannot be longer than 365 days"


def test_page_size_above_250_is_an_error(client: httpx.Client, sim: SimServer) -> None:
    assert error_of(client, sim, first=251) == "'first' cannot be greater than 250"


def test_shop_filter_needs_a_subject(client: httpx.Client, sim: SimServer) -> None:
    assert error_of(client, sim, filter={"shopId": "gid://shopify/Shop/1"}) == "The shopId filter requires subjectId"


def test_partners_gids_are_rejected(client: httpx.Client, sim: SimServer) -> None:
    assert error_of(client, sim, filter={"subjectId": "gid://partners/App/101"}).startswith("Invalid subjectId")


def test_plan_change_and_relationship_events(client: httpx.Client, sim: SimServer) -> None:
    conn = events(client, sim, filter={"subjectId": APP_2026, "shopId": "gid://shopify/Shop/2",
                                       "eventTypes": ["SUBSCRIPTION_UPDATED", "SUBSCRIPTION_CANCELED"]})
    nodes = {e["node"]["eventType"]: e["node"] for e in conn["edges"]}
    assert set(nodes) == {"SUBSCRIPTION_UPDATED", "SUBSCRIPTION_CANCELED"}
    updated = nodes["SUBSCRIPTION_UPDATED"]
    assert updated["plan"] == {"handle": "plus", "billingPeriod": "EVERY_30_DAYS", "trialDays": 0,
                               "trialDaysRemaining": 0, "prices": [{"amount": "79.00", "currency": "USD"}]}
    assert updated["shop"]["id"] == "gid://shopify/Shop/2"
    assert updated["subject"] == {"id": APP_2026, "name": "Ranky", "apiKey": "k101"}
    assert nodes["SUBSCRIPTION_CANCELED"]["cancelEffectiveOn"] == "2026-02-10"
    uninstall = events(client, sim, filter={"eventTypes": ["RELATIONSHIP_UNINSTALLED"]})["edges"][0]["node"]
    assert (uninstall["relState"], uninstall["reason"]) == ("UNINSTALLED", "Trop cher")


def test_trial_days_come_from_the_first_activation(client: httpx.Client, sim: SimServer) -> None:
    conn = events(client, sim, filter={"subjectId": APP_2026, "shopId": "gid://shopify/Shop/1",
                                       "occurredAtMin": "2026-01-01T00:00:00Z",
                                       "occurredAtMax": "2026-03-01T00:00:00Z", "eventTypes": ["SUBSCRIPTION_CREATED"]})
    (created,) = [e["node"] for e in conn["edges"]]
    assert created["plan"]["trialDays"] == 14


def test_sales_become_earnings_and_refunds(client: httpx.Client, sim: SimServer) -> None:
    nodes = [e["node"] for e in events(client, sim, filter={"eventTypes": ["EARNING_REFUND", "EARNING_CREDIT",
                                                                            "CHARGE_RECURRING"]})["edges"]]
    kinds = sorted(n["eventType"] for n in nodes)
    assert kinds == ["CHARGE_RECURRING", "CHARGE_RECURRING", "EARNING_CREDIT", "EARNING_REFUND"]
    refund = next(n for n in nodes if n["eventType"] == "EARNING_REFUND")
    assert refund["grossAmount"] == {"amount": "-5.00", "currencyCode": "USD"}
    assert refund["earningType"] == "REFUND"


@pytest.fixture(scope="module")
def pricing_sim() -> Iterator[SimServer]:
    """The small scenario with its app on App Pricing, read at 2026-01-10 (shop 1 is in its trial)."""
    data = copy.deepcopy(small_scenario_dict())
    data["apps"][0]["onAppPricing"] = True
    config = SimConfig(throttle=False, now=datetime(2026, 1, 10, tzinfo=timezone.utc))
    with SimServer(scenario_from_dict(data), config) as server:
        yield server


ACTIVE = """query($app: ID!, $shop: ID!) { activeSubscription(appId: $app, shopId: $shop) {
  billingPeriod trialEndsAt cancelAtEndOfCycle currentBillingCycle { startTime endTime } legacySubscriptionId
  items { description price { ... on FlatRatePrice { amount currency active } } } shop { id name } app { id } } }"""


def test_active_subscription_in_trial(pricing_sim: SimServer) -> None:
    with httpx.Client(timeout=30) as c:
        body = gql(c, pricing_sim, ACTIVE, {"app": APP_2026, "shop": "gid://shopify/Shop/1"}, version=V).json()
    assert body == {"data": {"activeSubscription": {
        "billingPeriod": "EVERY_30_DAYS", "trialEndsAt": "2026-01-19T00:00:00Z", "cancelAtEndOfCycle": False,
        "currentBillingCycle": None, "legacySubscriptionId": "gid://shopify/AppSubscription/11",
        "items": [{"description": "Pro", "price": {"amount": "29.00", "currency": "USD", "active": True}}],
        "shop": {"id": "gid://shopify/Shop/1", "name": "Shop 1"}, "app": {"id": APP_2026}}}}


def test_active_subscription_is_null_without_a_live_charge(pricing_sim: SimServer) -> None:
    with httpx.Client(timeout=30) as c:
        body = gql(c, pricing_sim, ACTIVE, {"app": APP_2026, "shop": "gid://shopify/Shop/3"}, version=V).json()
    assert body == {"data": {"activeSubscription": None}}


def test_active_subscription_is_null_for_apps_not_on_app_pricing(client: httpx.Client, sim: SimServer) -> None:
    body = gql(client, sim, ACTIVE, {"app": APP_2026, "shop": "gid://shopify/Shop/1"}, version=V).json()
    assert body == {"data": {"activeSubscription": None}}


def test_events_appended_at_runtime_reach_the_2026_07_view(client: httpx.Client, sim: SimServer) -> None:
    from tests.sim.conftest import rel_event

    before = events(client, sim, filter={"eventTypes": ["RELATIONSHIP_INSTALLED"]})["edges"]
    client.post(f"{sim.base_url}/_admin/append", json={
        "events": [rel_event("RELATIONSHIP_INSTALLED", "2026-02-25T10:00:00Z", 7)]}).raise_for_status()
    after = events(client, sim, filter={"eventTypes": ["RELATIONSHIP_INSTALLED"]})["edges"]
    assert len(after) == len(before) + 1
    assert after[0]["node"]["shop"]["id"] == "gid://shopify/Shop/7"
