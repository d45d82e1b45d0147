"""Drive a simulator serving a generated organization with the ``gql`` client, as the sync worker does."""

from __future__ import annotations

import collections
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXTransport
from graphql import GraphQLError

from partner_sim.config import SimConfig
from partner_sim.generator import GeneratedOrg, generate
from partner_sim.scenario import scenario_from_dict
from partner_sim.schema import SCHEMA_DIR
from partner_sim.server import SimServer

NOW = datetime(2026, 7, 15, tzinfo=timezone.utc)

EVENTS_PAGE = gql("""
query Events($app: ID!, $after: String, $shopId: ID) {
  app(id: $app) {
    events(first: 100, after: $after, shopId: $shopId) {
      edges { cursor node {
        __typename type occurredAt shop { id name myshopifyDomain avatarUrl }
        ... on AppSubscriptionEvent { charge { id name test billingOn amount { amount currencyCode } } }
        ... on AppPurchaseOneTimeEvent { charge { id amount { amount } } }
        ... on AppUsageRecordEvent { charge { id amount { amount } } }
        ... on AppCreditEvent { appCredit { id amount { amount } } }
        ... on RelationshipUninstalled { reason description }
      } }
      pageInfo { hasNextPage }
    }
  }
}""")


@pytest.fixture(scope="module")
def generated() -> GeneratedOrg:
    return generate(seed=21, apps=2, shops=150, years=2, now=NOW)


@pytest.fixture(scope="module")
def gen_sim(generated: GeneratedOrg) -> Iterator[SimServer]:
    import copy

    with SimServer(scenario_from_dict(copy.deepcopy(generated.scenario)), SimConfig(throttle=False)) as server:
        yield server


@pytest.fixture
def client(gen_sim: SimServer, generated: GeneratedOrg) -> Iterator[Client]:
    sdl = (SCHEMA_DIR / "schema-2025-07.graphql").read_text()
    transport = HTTPXTransport(url=gen_sim.graphql_url("2026-04"),
                               headers={"X-Shopify-Access-Token": generated.scenario["organization"]["accessToken"]},
                               timeout=30)
    with Client(transport=transport, schema=sdl) as session:
        yield session  # type: ignore[misc]


def _all_events(client: Any, app: str, shop_id: str | None = None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    after = None
    while True:
        result = client.execute(GraphQLRequest(EVENTS_PAGE, variable_values={"app": app, "after": after,
                                                                            "shopId": shop_id}))
        conn = result["app"]["events"]
        out += [e["node"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            return out
        after = conn["edges"][-1]["cursor"]


def test_paging_an_app_returns_exactly_its_events_newest_first(client: Any, generated: GeneratedOrg) -> None:
    app = "gid://partners/App/101"
    served = _all_events(client, app)
    expected = [e for e in generated.scenario["events"] if e["app"]["id"] == app]
    assert len(served) == len(expected) > 100
    assert [e["occurredAt"] for e in served] == sorted((e["occurredAt"] for e in expected), reverse=True)
    served_keys = collections.Counter((e["type"], e["occurredAt"], e["shop"]["id"]) for e in served)
    expected_keys = collections.Counter((e["type"], e["occurredAt"], e["shop"]["id"]) for e in expected)
    assert served_keys == expected_keys


def test_one_shops_history_matches_the_scenario(client: Any, generated: GeneratedOrg) -> None:
    row = next(r for r in generated.ground_truth if r["status"] == "ACTIVE")
    served = _all_events(client, row["app_id"], row["shop_id"])
    expected = [e for e in generated.scenario["events"]
                if e["app"]["id"] == row["app_id"] and e["shop"]["id"] == row["shop_id"]]
    assert sorted(served, key=lambda e: (e["occurredAt"], e["type"])) == sorted(
        ({k: v for k, v in e.items() if k != "app"} for e in expected), key=lambda e: (e["occurredAt"], e["type"]))


def test_client_side_validation_rejects_end_cursor(client: Any) -> None:
    with pytest.raises(GraphQLError, match="endCursor"):
        client.execute(gql('{ app(id: "gid://partners/App/101") { events(first: 1) { pageInfo { endCursor } } } }'))


def test_server_errors_reach_the_client_as_query_errors(client: Any) -> None:
    with pytest.raises(TransportQueryError, match="Invalid GID ''"):
        client.execute(GraphQLRequest("query($a: ID) { transactions(appId: $a, first: 1) { edges { cursor } } }",
                                      variable_values={"a": None}))


def test_transactions_of_one_shop_sum_to_its_lifetime_value(client: Any, generated: GeneratedOrg) -> None:
    row = max(generated.ground_truth, key=lambda r: float(r["lifetime_value"]))
    query = gql("""query($shop: ID!, $app: ID!, $after: String) { transactions(shopId: $shop, appId: $app, first: 100,
        after: $after) { edges { cursor node { id ... on AppSubscriptionSale { grossAmount { amount currencyCode } }
        ... on AppUsageSale { grossAmount { amount currencyCode } } ... on AppOneTimeSale { grossAmount { amount
        currencyCode } } ... on AppSaleAdjustment { grossAmount { amount currencyCode } } ... on AppSaleCredit {
        grossAmount { amount currencyCode } } } } pageInfo { hasNextPage } } }""")
    from decimal import Decimal

    total = Decimal("0")
    after = None
    while True:
        variables = {"shop": row["shop_id"], "app": row["app_id"], "after": after}
        conn = client.execute(GraphQLRequest(query, variable_values=variables))["transactions"]
        for e in conn["edges"]:
            if e["node"]["grossAmount"]["currencyCode"] == row["currency"]:
                total += Decimal(e["node"]["grossAmount"]["amount"])
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["edges"][-1]["cursor"]
    assert total == Decimal(row["lifetime_value"]) > 0
