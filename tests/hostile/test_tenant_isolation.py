"""Tenant isolation, exhaustively: organization B tries every one of organization A's ids at every entry point
(queries, node ids, cursors, export URLs, mutations) and gets exactly what a non-existent id gets — nothing of A,
and no change to A's state."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import redis

from tests.gateway.conftest import APP_A1, APP_A2, APP_B
from tests.hostile.conftest import Gateway, auth, isolated_redis

MISSING_APP = "gid://partners/App/999999"
APP_FIELDS = """query($app: ID!) { app(id: $app) { id name syncStatus { state eventsSynced }
  customers(first: 5) { totalCount edges { cursor node { id name } } }
  customersExportUrl
  customer(shopId: "gid://partners/Shop/1") { id name }
  byDomain: customer(domain: "alpha-1.myshopify.com") { id }
  segments { key count }
  segment(key: "VIP") { count customers(first: 3) { edges { node { id } } } }
  analytics { activeCustomers totalMrr { amount currencyCode } }
  mrrSeries { at mrr { amount } } } }"""
NODE = """query($id: ID!) { node(id: $id) { id ... on Customer { name domain lifetimeValue { amount }
  transactions(first: 50) { edges { node { id } } } timeline(first: 5) { edges { node { type } } } }
  ... on App { name } } }"""


def post(gateway: Gateway, key: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    r = httpx.post(gateway.graphql_url, json={"query": query, "variables": variables}, headers=auth(key), timeout=60)
    assert r.status_code < 500, r.text[:300]
    return r.json()


def assert_no_secret(gateway: Gateway, body: Any, allowed: str = "") -> None:
    text = json.dumps(body)
    leaked = [s for s in gateway.tenants.a_secrets if s in text and s not in allowed]
    assert not leaked, leaked


def normalise(body: dict[str, Any], own_id: str) -> str:
    return json.dumps(body, sort_keys=True).replace(own_id, "<ID>")


@pytest.mark.parametrize("app_id", [APP_A1, APP_A2])
def test_every_app_field_of_a_foreign_app_equals_a_missing_app(gateway: Gateway, app_id: str) -> None:
    key_a, key_b = gateway.tenants.seeded.key_a, gateway.tenants.seeded.key_b
    own = post(gateway, key_a, APP_FIELDS, {"app": app_id})
    assert own["data"]["app"]["customers"]["totalCount"] > 0  # the query really reads A's data for A
    foreign = post(gateway, key_b, APP_FIELDS, {"app": app_id})
    missing = post(gateway, key_b, APP_FIELDS, {"app": MISSING_APP})
    assert normalise(foreign, app_id) == normalise(missing, MISSING_APP)
    assert foreign == {"data": {"app": None}}


def test_every_customer_node_id_of_the_other_organization_is_null(gateway: Gateway) -> None:
    t = gateway.tenants
    for global_id in t.a_customer_ids + t.a_app_ids:
        body = post(gateway, t.seeded.key_b, NODE, {"id": global_id})
        assert body == {"data": {"node": None}}, (global_id, body)
    own = post(gateway, t.seeded.key_a, NODE, {"id": t.a_customer_ids[0]})
    assert own["data"]["node"]["name"]  # the same ids do resolve for their owner
    for global_id in t.b_customer_ids:
        body = post(gateway, t.seeded.key_a, NODE, {"id": global_id})
        assert body == {"data": {"node": None}}, (global_id, body)


def test_shops_present_in_both_organizations_show_only_the_callers_data(gateway: Gateway) -> None:
    """Shop/1 is a customer of A's and of B's apps: B's view carries B's transactions only."""
    q = """query($app: ID!) { app(id: $app) { customer(shopId: "gid://partners/Shop/1") { name
        transactions(first: 100) { edges { node { id grossAmount { amount } } } } } } }"""
    b = post(gateway, gateway.tenants.seeded.key_b, q, {"app": APP_B})
    ids = {e["node"]["id"] for e in b["data"]["app"]["customer"]["transactions"]["edges"]}
    assert ids and not ids & set(gateway.tenants.a_transaction_ids)
    assert_no_secret(gateway, b)


def test_cursors_of_the_other_organization_are_rejected_without_data(gateway: Gateway) -> None:
    t = gateway.tenants
    q = """query($app: ID!, $after: String, $before: String) { app(id: $app) {
      customers(first: 3, after: $after, before: $before) { edges { node { id name } } } } }"""
    page = post(gateway, t.seeded.key_a, q, {"app": APP_A1})
    cursors = [e["cursor"] for e in post(gateway, t.seeded.key_a, APP_FIELDS, {"app": APP_A1})
               ["data"]["app"]["customers"]["edges"]]
    assert cursors and page["data"]["app"]
    for cursor in cursors:
        for variables in ({"app": APP_B, "after": cursor}, {"app": APP_B, "before": cursor},
                          {"app": APP_A1, "after": cursor}):
            body = post(gateway, t.seeded.key_b, q, variables)
            if variables["app"] == APP_A1:
                assert body == {"data": {"app": None}}
            else:
                assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
                assert not (body.get("data") or {}).get("app")
            assert_no_secret(gateway, body)


def test_export_urls_of_the_other_organization_answer_like_a_missing_app(gateway: Gateway) -> None:
    t = gateway.tenants
    url = post(gateway, t.seeded.key_a, APP_FIELDS, {"app": APP_A1})["data"]["app"]["customersExportUrl"]
    parts = urlsplit(url)
    path = parts.path + ("?" + parts.query if parts.query else "")
    with httpx.Client(base_url=gateway.base_url, timeout=60) as c:
        own = c.get(path, headers=auth(t.seeded.key_a))
        assert own.status_code == 200 and own.text.count("\n") > 10
        foreign = c.get(path, headers=auth(t.seeded.key_b))
        missing = c.get(path.replace(_quoted(APP_A1), _quoted(MISSING_APP)), headers=auth(t.seeded.key_b))
        assert foreign.status_code == missing.status_code == 404
        assert foreign.text.replace(APP_A1, "<ID>") == missing.text.replace(MISSING_APP, "<ID>")
        for params in ({"appId": APP_A1, "scope": "full"}, {"appId": APP_A2}, {"appId": APP_A1, "includeTest": "true"}):
            r = c.get("/export/customers.csv", params=params, headers=auth(t.seeded.key_b))
            assert r.status_code == 404, (params, r.status_code)
            assert_no_secret(gateway, r.text)
        no_key = c.get(path)
        assert no_key.status_code == 401


def _quoted(app_id: str) -> str:
    from urllib.parse import quote

    return quote(app_id, safe="")


def test_saved_segments_are_invisible_and_unusable_across_organizations(gateway: Gateway) -> None:
    t = gateway.tenants
    save = """mutation($app: ID!) { saveSegment(appId: $app, name: "Acme secret whales",
        filter: {status: [ACTIVE]}) { key count } }"""
    key = post(gateway, t.seeded.key_a, save, {"app": APP_A1})["data"]["saveSegment"]["key"]
    q = """query($app: ID!, $key: String!) { app(id: $app) { segments { key name }
        segment(key: $key) { key } customers(filter: {segment: $key}) { totalCount } } }"""
    b = post(gateway, t.seeded.key_b, q, {"app": APP_B, "key": key})
    assert "Acme secret whales" not in json.dumps(b)
    assert b["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    own_segments = post(gateway, t.seeded.key_b, f"{{ app(id: \"{APP_B}\") {{ segments {{ key name }} }} }}", {})
    assert key not in json.dumps(own_segments)
    deleted = post(gateway, t.seeded.key_b, "mutation($app: ID!, $k: String!) { deleteSegment(appId: $app, key: $k) }",
                   {"app": APP_B, "k": key})
    assert deleted["data"]["deleteSegment"] is False
    still = post(gateway, t.seeded.key_a, q, {"app": APP_A1, "key": key})
    assert still["data"]["app"]["segment"] == {"key": key}


MUTATIONS: list[tuple[str, dict[str, Any]]] = [
    ("mutation($app: ID!) { triggerSync(appId: $app, full: true) { state } }", {}),
    ("mutation($app: ID!) { saveSegment(appId: $app, name: \"x\", filter: {}) { key } }", {}),
    ("mutation($app: ID!) { deleteSegment(appId: $app, key: \"saved:x\") }", {}),
    ("mutation($app: ID!, $p: [ShopProfileInput!]!) { reportShopProfiles(appId: $app, profiles: $p) }",
     {"p": [{"shopId": "gid://partners/Shop/1", "email": "evil@b.example"}]}),
]


@pytest.mark.parametrize("mutation,extra", MUTATIONS, ids=["triggerSync", "saveSegment", "deleteSegment",
                                                            "reportShopProfiles"])
def test_mutations_on_the_other_organizations_apps_enqueue_and_change_nothing(
        gateway: Gateway, redis_url: str, mutation: str, extra: dict[str, Any]) -> None:
    r = redis.Redis.from_url(isolated_redis(redis_url))
    before = {k: r.llen(k) for k in r.keys("dramatiq:*") if r.type(k) == b"list"}
    for app_id in (APP_A1, APP_A2):
        foreign = post(gateway, gateway.tenants.seeded.key_b, mutation, {"app": app_id, **extra})
        missing = post(gateway, gateway.tenants.seeded.key_b, mutation, {"app": MISSING_APP, **extra})
        assert normalise(foreign, app_id) == normalise(missing, MISSING_APP)
        assert foreign["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    after = {k: r.llen(k) for k in r.keys("dramatiq:*") if r.type(k) == b"list"}
    assert after == before, "a message was enqueued for another organization's app"
    r.close()
