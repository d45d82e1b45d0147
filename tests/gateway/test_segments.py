"""Segments: built-in definitions and counts, segment lists, saving and deleting."""

from __future__ import annotations

from typing import Any

import httpx

from crm_gateway.graphql.types.node import customer_global_id
from tests.gateway.conftest import APP_A1, Seeded, gql_data, gql_error, make_client
from tests.gateway.expected import matching, ordered

SEGMENTS = """query S($app: ID!) { app(id: $app) { segments { key name definition builtIn count } } }"""
SEGMENT_LIST = """
query L($app: ID!, $key: String!, $first: Int, $after: String, $filter: CustomerFilterInput) {
  app(id: $app) { segment(key: $key) { key count customers(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id status } } } } }
}
"""
SAVE = """mutation Save($app: ID!, $name: String!, $filter: CustomerFilterInput!) {
  saveSegment(appId: $app, name: $name, filter: $filter) { key name definition builtIn count } }"""
DELETE = """mutation Del($app: ID!, $key: String!) { deleteSegment(appId: $app, key: $key) }"""


async def test_built_in_segments_have_definitions_and_counts(client: httpx.AsyncClient, seeded: Seeded) -> None:
    segs = (await gql_data(client, seeded.key_a, SEGMENTS, {"app": APP_A1}))["app"]["segments"]
    assert [s["key"] for s in segs[:4]] == ["VIP", "AT_RISK", "GROWTH", "NEW"]
    assert all(s["builtIn"] and len(s["definition"]) > 30 for s in segs[:4])
    docs = seeded.customers[APP_A1]
    for s in segs[:4]:
        assert s["count"] == len(matching(docs, lambda d, k=s["key"]: k in d["segments"])), s["key"]
    assert "80th percentile" in segs[0]["definition"]


async def test_segment_customers_walks_its_members(client: httpx.AsyncClient, seeded: Seeded) -> None:
    expected = ordered(matching(seeded.customers[APP_A1], lambda d: "AT_RISK" in d["segments"]), "INSTALLED_AT", False)
    ids, after = [], None
    while True:
        seg = (await gql_data(client, seeded.key_a, SEGMENT_LIST,
                              {"app": APP_A1, "key": "AT_RISK", "first": 4, "after": after}))["app"]["segment"]
        ids += [e["node"]["id"] for e in seg["customers"]["edges"]]
        if not seg["customers"]["pageInfo"]["hasNextPage"]:
            break
        after = seg["customers"]["pageInfo"]["endCursor"]
    assert ids == [customer_global_id(k) for k in expected]
    assert seg["count"] == seg["customers"]["totalCount"] == len(expected)


async def test_save_list_and_delete_a_segment(fresh: Seeded, redis_url: str) -> None:
    async with make_client(fresh.db, redis_url) as client:
        f = {"status": ["ACTIVE"], "country": ["US"], "mrrMin": "10"}
        saved = (await gql_data(client, fresh.key_a, SAVE, {"app": APP_A1, "name": "Big US spenders", "filter": f}))
        seg = saved["saveSegment"]
        assert seg["key"] == "saved:big-us-spenders" and not seg["builtIn"]
        expected = matching(fresh.customers[APP_A1], lambda d: d["status"] == "ACTIVE" and d["country"] == "US"
                            and d["mrr"].to_decimal() >= 10)
        assert seg["count"] == len(expected) > 0
        listed = (await gql_data(client, fresh.key_a, SEGMENT_LIST, {"app": APP_A1, "key": seg["key"], "first": 250}))
        got = {e["node"]["id"] for e in listed["app"]["segment"]["customers"]["edges"]}
        assert got == {customer_global_id(d["_id"]) for d in expected}
        via_filter = await gql_data(client, fresh.key_a, """query($app: ID!) { app(id: $app) {
            customers(filter: {segment: "saved:big-us-spenders", status: [ACTIVE]}) { totalCount } } }""",
                                    {"app": APP_A1})
        assert via_filter["app"]["customers"]["totalCount"] == len(expected)
        keys = [s["key"] for s in (await gql_data(client, fresh.key_a, SEGMENTS, {"app": APP_A1}))["app"]["segments"]]
        assert keys[-1] == "saved:big-us-spenders"
        assert (await gql_data(client, fresh.key_a, DELETE, {"app": APP_A1, "key": seg["key"]}))["deleteSegment"]
        assert not (await gql_data(client, fresh.key_a, DELETE, {"app": APP_A1, "key": seg["key"]}))["deleteSegment"]
        gone = await gql_data(client, fresh.key_a, SEGMENT_LIST, {"app": APP_A1, "key": seg["key"]})
        assert gone["app"]["segment"] is None


async def test_invalid_segments_are_bad_input(fresh: Seeded, redis_url: str) -> None:
    async with make_client(fresh.db, redis_url) as client:
        cases: list[tuple[str, dict[str, Any]]] = [
            (SAVE, {"app": APP_A1, "name": "  ", "filter": {}}),
            (SAVE, {"app": APP_A1, "name": "x" * 81, "filter": {}}),
            (SAVE, {"app": APP_A1, "name": "Bad range", "filter": {"mrrMin": "5", "mrrMax": "1"}}),
            (SAVE, {"app": APP_A1, "name": "Nested", "filter": {"segment": "saved:other"}}),
            (DELETE, {"app": APP_A1, "key": "VIP"}),
            (DELETE, {"app": APP_A1, "key": "whatever"}),
            (SEGMENT_LIST, {"app": APP_A1, "key": "NOPE"}),
        ]
        for query, variables in cases:
            err = await gql_error(client, fresh.key_a, query, variables)
            assert err["extensions"]["code"] == "BAD_USER_INPUT", (variables, err)
