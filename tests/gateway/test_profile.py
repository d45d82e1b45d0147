"""Customer profiles: lookup by shop id, domain and node id; timeline, transactions, MRR history."""

from __future__ import annotations

from typing import Any

import httpx

from crm_gateway.graphql.types.node import customer_global_id
from tests.gateway.conftest import APP_A1, Seeded, gql_data, gql_error

PROFILE = """
query P($app: ID!, $shop: ID, $domain: String) {
  app(id: $app) {
    customer(shopId: $shop, domain: $domain) {
      id shopId name domain avatarUrl email country shopifyPlan status plan
      mrr { amount currencyCode } usageRunRate { amount } billingInterval billingIntervalInferred
      installedAt uninstalledAt trialEndsAt customerSince daysAsCustomer lastActiveAt
      lifetimeValue { amount currencyCode } lifetimeNet { amount } lifetimeByCurrency { amount currencyCode }
      isTest segments computedAt
      health { score grade factors { name impact detail } }
      cards { key label value }
      mrrHistory { at mrr { amount currencyCode } annotation }
    }
  }
}
"""


def doc(seeded: Seeded, n: int) -> dict[str, Any]:
    return seeded.customers[APP_A1][n - 1]


async def test_profile_by_shop_id_has_every_field(client: httpx.AsyncClient, seeded: Seeded) -> None:
    d = doc(seeded, 5)
    c = (await gql_data(client, seeded.key_a, PROFILE, {"app": APP_A1, "shop": d["shop_id"]}))["app"]["customer"]
    assert c["id"] == customer_global_id(d["_id"])
    assert (c["shopId"], c["name"], c["domain"], c["status"], c["plan"]) == (
        d["shop_id"], d["name"], d["domain"], d["status"], d["plan"])
    assert c["email"] == d["email"] and c["country"] == d["country"]
    assert c["mrr"]["currencyCode"] == d["currency"]
    assert c["health"]["score"] == d["health"]["score"]
    assert [f["impact"] for f in c["health"]["factors"]] == [20, -5]
    assert [card["key"] for card in c["cards"]] == ["mrr", "lifetime_value", "days_as_customer", "health"]
    assert [p["annotation"] for p in c["mrrHistory"]] == ["INSTALLED", "SUBSCRIBED"]
    assert c["segments"] == d["segments"]


async def test_profile_by_domain_is_case_insensitive(client: httpx.AsyncClient, seeded: Seeded) -> None:
    d = doc(seeded, 8)
    data = await gql_data(client, seeded.key_a, PROFILE, {"app": APP_A1, "domain": d["domain"].upper()})
    assert data["app"]["customer"]["shopId"] == d["shop_id"]


async def test_unknown_customer_is_null(client: httpx.AsyncClient, seeded: Seeded) -> None:
    data = await gql_data(client, seeded.key_a, PROFILE, {"app": APP_A1, "shop": "gid://partners/Shop/999999"})
    assert data["app"]["customer"] is None


async def test_node_returns_the_customer_and_the_app(client: httpx.AsyncClient, seeded: Seeded) -> None:
    d = doc(seeded, 3)
    q = """query N($id: ID!, $app: ID!) {
      c: node(id: $id) { id ... on Customer { name } }
      a: node(id: $app) { id ... on App { name } }
    }"""
    data = await gql_data(client, seeded.key_a, q, {"id": customer_global_id(d["_id"]), "app": APP_A1})
    assert data["c"] == {"id": customer_global_id(d["_id"]), "name": d["name"]}
    assert data["a"] == {"id": APP_A1, "name": "Ranky"}


TIMELINE = """
query T($app: ID!, $shop: ID!, $first: Int, $after: String, $types: [TimelineEntryType!]) {
  app(id: $app) { customer(shopId: $shop) {
    timeline(first: $first, after: $after, types: $types) {
      totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
      edges { cursor node { type occurredAt plan mrrBefore { amount } mrrAfter { amount } chargeId detail } }
    }
  } }
}
"""


async def test_timeline_pages_in_order_and_filters_by_type(client: httpx.AsyncClient, seeded: Seeded) -> None:
    d = doc(seeded, 2)
    v = {"app": APP_A1, "shop": d["shop_id"], "first": 2}
    t1 = (await gql_data(client, seeded.key_a, TIMELINE, v))["app"]["customer"]["timeline"]
    assert t1["totalCount"] == 3 and t1["pageInfo"]["hasNextPage"]
    t2 = (await gql_data(client, seeded.key_a, TIMELINE, {**v, "after": t1["pageInfo"]["endCursor"]}))
    t2 = t2["app"]["customer"]["timeline"]
    types = [e["node"]["type"] for e in t1["edges"] + t2["edges"]]
    assert types == ["INSTALLED", "SUBSCRIBED", "UPGRADED"]
    assert not t2["pageInfo"]["hasNextPage"] and t2["pageInfo"]["hasPreviousPage"]
    only = (await gql_data(client, seeded.key_a, TIMELINE, {**v, "types": ["UPGRADED"]}))["app"]["customer"]["timeline"]
    assert [e["node"]["type"] for e in only["edges"]] == ["UPGRADED"] and only["totalCount"] == 1
    err = await gql_error(client, seeded.key_a, TIMELINE, {**v, "types": ["SUBSCRIBED"],
                                                           "after": t1["pageInfo"]["endCursor"]})
    assert err["extensions"]["code"] == "BAD_USER_INPUT"


TXS = """
query X($app: ID!, $shop: ID!, $first: Int, $after: String, $sort: TransactionSortInput, $kinds: [TransactionKind!]) {
  app(id: $app) { customer(shopId: $shop) {
    transactions(first: $first, after: $after, sort: $sort, status: $kinds) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { id kind createdAt chargeId grossAmount { amount currencyCode } netAmount { amount }
                     billingInterval restated } }
    }
  } }
}
"""


async def walk_transactions(client: httpx.AsyncClient, key: str, **v: Any) -> list[dict[str, Any]]:
    out, after = [], None
    while True:
        page = (await gql_data(client, key, TXS, {"app": APP_A1, "shop": "gid://partners/Shop/1", "first": 3,
                                                  "after": after, **v}))["app"]["customer"]["transactions"]
        out += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return out
        after = page["pageInfo"]["endCursor"]


async def test_transactions_sorted_by_date_and_amount_with_kind_filter(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    by_date = await walk_transactions(client, seeded.key_a)
    assert len(by_date) == 7  # the other organization's transaction for the same shop is not here
    assert [t["createdAt"] for t in by_date] == sorted((t["createdAt"] for t in by_date), reverse=True)
    by_amount = await walk_transactions(client, seeded.key_a, sort={"field": "AMOUNT", "direction": "ASC"})
    amounts = [float(t["grossAmount"]["amount"]) for t in by_amount]
    assert amounts == sorted(amounts) and amounts[0] == -29.0 and amounts[-1] == 100.0
    subs = await walk_transactions(client, seeded.key_a, kinds=["APP_SUBSCRIPTION_SALE", "APP_SALE_CREDIT"])
    assert sorted(t["kind"] for t in subs) == ["APP_SALE_CREDIT"] + ["APP_SUBSCRIPTION_SALE"] * 3
    assert all(t["billingInterval"] == "EVERY_30_DAYS" for t in subs if t["kind"] == "APP_SUBSCRIPTION_SALE")
    assert any(t["restated"] for t in by_date)
