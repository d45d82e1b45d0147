"""Fixtures for the simulator tests: a small hand-written scenario and running simulators."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from partner_sim.config import SimConfig
from partner_sim.scenario import Scenario, scenario_from_dict
from partner_sim.server import SimServer

ORG = "1234567"
TOKEN = "prtapi_test"
APP = "gid://partners/App/101"
OTHER_APP = "gid://partners/App/999"


def shop(n: int, name: str | None = None) -> dict[str, Any]:
    """A shop reference node."""
    label = name or f"Shop {n}"
    return {"id": f"gid://partners/Shop/{n}", "name": label,
            "myshopifyDomain": f"{label.lower().replace(' ', '-')}.myshopify.com", "avatarUrl": None}


def sub_event(type_: str, at: str, shop_n: int, charge_n: int, amount: str = "29.00", billing_on: str | None = None,
              name: str = "Pro", test: bool = False, app: str = APP) -> dict[str, Any]:
    """A subscription charge event node."""
    return {"type": type_, "occurredAt": at, "app": {"id": app}, "shop": shop(shop_n),
            "charge": {"id": f"gid://shopify/AppSubscription/{charge_n}", "name": name, "test": test,
                       "billingOn": billing_on or "2026-02-04T00:00:00Z",
                       "amount": {"amount": amount, "currencyCode": "USD"}}}


def rel_event(type_: str, at: str, shop_n: int, app: str = APP, **extra: Any) -> dict[str, Any]:
    """A relationship event node."""
    return {"type": type_, "occurredAt": at, "app": {"id": app}, "shop": shop(shop_n), **extra}


def sale(n: int, typename: str, created: str, shop_n: int | None, gross: str, net: str,
         charge: str | None = None, app: str = APP, interval: str | None = None) -> dict[str, Any]:
    """A transaction node."""
    node: dict[str, Any] = {"__typename": typename, "id": f"gid://partners/{typename}/{n}", "createdAt": created,
                            "app": {"id": app}, "shop": shop(shop_n) if shop_n is not None else None,
                            "chargeId": charge}
    if typename == "AppSubscriptionSale":
        node["billingInterval"] = interval or "EVERY_30_DAYS"
    fee = f"{float(gross) - float(net):.2f}"  # test data only: fee strings for display, never summed
    node.update({"grossAmount": {"amount": gross, "currencyCode": "USD"},
                 "netAmount": {"amount": net, "currencyCode": "USD"},
                 "shopifyFee": {"amount": fee, "currencyCode": "USD"}})
    return node


def small_scenario_dict() -> dict[str, Any]:
    """Three shops on app 101 (one a same-second plan change), one event of a foreign app."""
    events = [
        rel_event("RELATIONSHIP_INSTALLED", "2026-01-05T10:00:00Z", 1),
        sub_event("SUBSCRIPTION_CHARGE_ACTIVATED", "2026-01-05T10:02:00Z", 1, 11, billing_on="2026-01-19T00:00:00Z"),
        rel_event("RELATIONSHIP_INSTALLED", "2026-01-06T09:00:00Z", 2),
        sub_event("SUBSCRIPTION_CHARGE_ACTIVATED", "2026-01-06T09:05:00Z", 2, 21, amount="9.99", name="Basic"),
        sub_event("SUBSCRIPTION_CHARGE_CANCELED", "2026-02-10T12:00:00Z", 2, 21, amount="9.99", name="Basic"),
        sub_event("SUBSCRIPTION_CHARGE_ACTIVATED", "2026-02-10T12:00:00Z", 2, 22, amount="79.00", name="Plus"),
        rel_event("RELATIONSHIP_INSTALLED", "2026-01-07T08:00:00Z", 3),
        rel_event("RELATIONSHIP_UNINSTALLED", "2026-02-20T08:00:00Z", 3, reason="Trop cher", description=None),
        rel_event("RELATIONSHIP_INSTALLED", "2026-01-08T08:00:00Z", 4, app=OTHER_APP),
    ]
    transactions = [
        sale(5001, "AppSubscriptionSale", "2026-02-01T00:00:00Z", 1, "29.00", "24.65", "gid://shopify/AppSubscription/11"),
        sale(5002, "AppSubscriptionSale", "2026-02-16T00:00:00Z", 2, "79.00", "67.15", "gid://shopify/AppSubscription/22"),
        sale(5003, "AppUsageSale", "2026-02-16T00:00:00Z", 2, "3.50", "2.98", "gid://shopify/AppUsageRecord/7"),
        sale(5004, "AppOneTimeSale", "2026-01-16T00:00:00Z", 3, "49.00", "41.65", "gid://shopify/AppPurchaseOneTime/8"),
        sale(5005, "AppSaleAdjustment", "2026-03-01T00:00:00Z", 2, "-5.00", "-4.25", "gid://shopify/AppSubscription/22"),
        sale(5006, "AppSaleCredit", "2026-03-01T00:00:00Z", 1, "-10.00", "-8.50", "gid://shopify/AppCredit/9"),
        sale(5007, "AppSubscriptionSale", "2019-05-01T00:00:00Z", 1, "19.00", "15.20", None),
        sale(5008, "AppSubscriptionSale", "2026-02-01T00:00:00Z", 4, "5.00", "4.25", None, app=OTHER_APP),
    ]
    return {"organization": {"id": ORG, "name": "Acme Apps", "accessToken": TOKEN},
            "apps": [{"id": APP, "name": "Ranky", "apiKey": "k101"}],
            "events": events, "transactions": transactions,
            "shopProfiles": [{"appId": APP, "shopId": "gid://partners/Shop/1", "email": "owner@alpha.example",
                              "country": "US", "shopifyPlan": "basic", "lastActiveAt": "2026-02-20T08:00:00Z"}],
            "now": "2026-03-01T00:00:00Z"}


@pytest.fixture
def small_scenario() -> Scenario:
    """A fresh copy of the hand-written scenario."""
    return scenario_from_dict(copy.deepcopy(small_scenario_dict()))


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    """A simulator with throttling off serving the small scenario (reset before each use by ``client``)."""
    server = SimServer(scenario_from_dict(copy.deepcopy(small_scenario_dict())), SimConfig(throttle=False))
    with server:
        yield server


@pytest.fixture
def client(sim: SimServer) -> Iterator[httpx.Client]:
    """Raw HTTP client on a freshly reset simulator."""
    with httpx.Client(timeout=30) as c:
        c.post(f"{sim.base_url}/_admin/reset").raise_for_status()
        yield c


def gql(client: httpx.Client, sim: SimServer, query: str, variables: dict[str, Any] | None = None,
        version: str = "2026-04", token: str = TOKEN) -> httpx.Response:
    """POST one GraphQL query to the simulator."""
    return client.post(sim.graphql_url(version), json={"query": query, "variables": variables or {}},
                       headers={"X-Shopify-Access-Token": token})
