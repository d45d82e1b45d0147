"""``transactions(...)`` and ``transaction(id)``: every app transaction type, every filter."""

from __future__ import annotations

from typing import Any

import httpx

from partner_sim.server import SimServer
from tests.sim.conftest import APP, OTHER_APP, gql

TXNS = """
query($first: Int, $after: String, $appId: ID, $shopId: ID, $domain: String, $min: DateTime, $max: DateTime,
      $types: [TransactionType!]) {
  transactions(first: $first, after: $after, appId: $appId, shopId: $shopId, myshopifyDomain: $domain,
               createdAtMin: $min, createdAtMax: $max, types: $types) {
    edges { cursor node { __typename id createdAt
      ... on AppSubscriptionSale { billingInterval chargeId grossAmount { amount currencyCode }
                                   netAmount { amount currencyCode } shopifyFee { amount } shop { id } app { id } }
      ... on AppUsageSale { chargeId grossAmount { amount } netAmount { amount } shop { id } }
      ... on AppOneTimeSale { chargeId grossAmount { amount } netAmount { amount } shop { id } }
      ... on AppSaleAdjustment { chargeId grossAmount { amount } netAmount { amount } shop { id } }
      ... on AppSaleCredit { chargeId grossAmount { amount } netAmount { amount } shop { id } } } }
    pageInfo { hasNextPage hasPreviousPage }
  }
}"""


def txns(client: httpx.Client, sim: SimServer, **variables: Any) -> list[dict[str, Any]]:
    body = gql(client, sim, TXNS, {"first": 100, **variables}).json()
    assert "errors" not in body, body
    return [e["node"] for e in body["data"]["transactions"]["edges"]]


def test_all_five_app_transaction_types_with_their_fields(client: httpx.Client, sim: SimServer) -> None:
    nodes = txns(client, sim)
    assert {n["__typename"] for n in nodes} == {"AppSubscriptionSale", "AppUsageSale", "AppOneTimeSale",
                                               "AppSaleAdjustment", "AppSaleCredit"}
    sale = next(n for n in nodes if n["id"] == "gid://partners/AppSubscriptionSale/5001")
    assert sale == {"__typename": "AppSubscriptionSale", "id": "gid://partners/AppSubscriptionSale/5001",
                    "createdAt": "2026-02-01T00:00:00Z", "billingInterval": "EVERY_30_DAYS",
                    "chargeId": "gid://shopify/AppSubscription/11",
                    "grossAmount": {"amount": "29.00", "currencyCode": "USD"},
                    "netAmount": {"amount": "24.65", "currencyCode": "USD"}, "shopifyFee": {"amount": "4.35"},
                    "shop": {"id": "gid://partners/Shop/1"}, "app": {"id": APP}}
    credit = next(n for n in nodes if n["__typename"] == "AppSaleCredit")
    assert credit["grossAmount"] == {"amount": "-10.00"}


def test_only_the_organizations_transactions_are_served(client: httpx.Client, sim: SimServer) -> None:
    ids = {n["id"] for n in txns(client, sim)}
    assert "gid://partners/AppSubscriptionSale/5008" not in ids
    assert txns(client, sim, appId=OTHER_APP) == []


def test_pre_2020_sales_have_a_null_charge_id(client: httpx.Client, sim: SimServer) -> None:
    old = next(n for n in txns(client, sim) if n["id"].endswith("/5007"))
    assert old["chargeId"] is None and old["createdAt"].startswith("2019")


def test_app_id_null_is_invalid_gid(client: httpx.Client, sim: SimServer) -> None:
    body = gql(client, sim, TXNS, {"first": 10, "appId": None}).json()
    assert body["data"] is None
    assert body["errors"][0]["message"] == "Invalid GID ''"
    assert body["errors"][0]["path"] == ["transactions"]


def test_omitting_app_id_serves_everything(client: httpx.Client, sim: SimServer) -> None:
    body = gql(client, sim, "{ transactions(first: 100) { edges { node { id } } } }").json()
    assert len(body["data"]["transactions"]["edges"]) == 7


def test_filters_by_app_shop_domain_type_and_inclusive_created_at(client: httpx.Client, sim: SimServer) -> None:
    assert len(txns(client, sim, appId=APP)) == 7
    assert {n["id"][-4:] for n in txns(client, sim, shopId="gid://partners/Shop/2")} == {"5002", "5003", "5005"}
    assert {n["id"][-4:] for n in txns(client, sim, domain="shop-3.myshopify.com")} == {"5004"}
    assert {n["__typename"] for n in txns(client, sim, types=["APP_USAGE_SALE", "APP_SALE_CREDIT"])} == {
        "AppUsageSale", "AppSaleCredit"}
    window = txns(client, sim, min="2026-02-01T00:00:00Z", max="2026-02-16T00:00:00Z")
    assert {n["id"][-4:] for n in window} == {"5001", "5002", "5003"}
    assert txns(client, sim, types=["THEME_SALE"]) == []


def test_transactions_come_newest_first_and_page_with_cursors(client: httpx.Client, sim: SimServer) -> None:
    first = gql(client, sim, TXNS, {"first": 4}).json()["data"]["transactions"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = gql(client, sim, TXNS, {"first": 4, "after": first["edges"][-1]["cursor"]}).json()["data"]["transactions"]
    assert rest["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": True}
    times = [e["node"]["createdAt"] for e in first["edges"] + rest["edges"]]
    assert times == sorted(times, reverse=True) and len(times) == 7


def test_transaction_by_id(client: httpx.Client, sim: SimServer) -> None:
    q = "query($id: ID!) { transaction(id: $id) { __typename id ... on AppOneTimeSale { grossAmount { amount } } } }"
    body = gql(client, sim, q, {"id": "gid://partners/AppOneTimeSale/5004"}).json()
    assert body == {"data": {"transaction": {"__typename": "AppOneTimeSale", "id": "gid://partners/AppOneTimeSale/5004",
                                             "grossAmount": {"amount": "49.00"}}}}
    assert gql(client, sim, q, {"id": "gid://partners/AppOneTimeSale/1"}).json() == {"data": {"transaction": None}}


def test_restatement_keeps_the_id_and_changes_the_amounts(client: httpx.Client, sim: SimServer) -> None:
    resp = client.post(f"{sim.base_url}/_admin/faults", json={
        "restate": [{"id": "gid://partners/AppSubscriptionSale/5001", "grossAmount": "26.10", "netAmount": "22.19"}]})
    assert resp.status_code == 200 and resp.json()["restated"] == 1
    nodes = [n for n in txns(client, sim) if n["id"] == "gid://partners/AppSubscriptionSale/5001"]
    assert len(nodes) == 1
    assert nodes[0]["grossAmount"] == {"amount": "26.10", "currencyCode": "USD"}
    assert nodes[0]["netAmount"] == {"amount": "22.19", "currencyCode": "USD"}
    assert nodes[0]["createdAt"] == "2026-02-01T00:00:00Z"


def test_restating_an_unknown_transaction_is_rejected(client: httpx.Client, sim: SimServer) -> None:
    resp = client.post(f"{sim.base_url}/_admin/faults", json={"restate": [{"id": "gid://partners/X/1",
                                                                           "grossAmount": "1.00"}]})
    assert resp.status_code == 400
