"""Every kind of bad input is a BAD_USER_INPUT GraphQL error — never a 500, never a silently wrong page."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.gateway.conftest import APP_A1, Seeded, gql_data, gql_error, gql_post

LIST = """query L($app: ID!, $filter: CustomerFilterInput, $sort: CustomerSortInput, $first: Int, $after: String,
                 $last: Int, $before: String, $search: String) {
  app(id: $app) { customers(filter: $filter, sort: $sort, first: $first, after: $after, last: $last,
                            before: $before, search: $search) { totalCount edges { cursor } } } }"""

CASES: list[tuple[str, dict[str, Any]]] = [
    ("first over 250", {"first": 251}),
    ("negative first", {"first": -1}),
    ("last over 250", {"last": 300}),
    ("first and last", {"first": 5, "last": 5}),
    ("mrrMin > mrrMax", {"filter": {"mrrMin": "50", "mrrMax": "10"}}),
    ("inverted install range", {"filter": {"installedFrom": "2026-02-01T00:00:00Z",
                                           "installedTo": "2026-01-01T00:00:00Z"}}),
    ("inverted activity range", {"filter": {"lastActiveFrom": "2026-02-01T00:00:00Z",
                                            "lastActiveTo": "2026-01-01T00:00:00Z"}}),
    ("malformed cursor", {"after": "not-a-cursor"}),
    ("base64 junk cursor", {"after": "eyJmb28iOiAxfQ"}),
    ("unknown status enum", {"filter": {"status": ["SLEEPING"]}}),
    ("unknown sort field", {"sort": {"field": "COLOUR", "direction": "ASC"}}),
    ("unknown direction", {"sort": {"field": "MRR", "direction": "UP"}}),
    ("bad decimal", {"filter": {"mrrMin": "ten"}}),
    ("bad date", {"filter": {"installedFrom": "yesterday"}}),
    ("unknown segment", {"filter": {"segment": "FAVOURITES"}}),
    ("unknown saved segment", {"filter": {"segment": "saved:nope"}}),
    ("search too long", {"search": "x" * 101}),
]


@pytest.mark.parametrize("name,variables", CASES, ids=[c[0] for c in CASES])
async def test_bad_list_input_is_bad_user_input(client: httpx.AsyncClient, seeded: Seeded, name: str,
                                                variables: dict[str, Any]) -> None:
    err = await gql_error(client, seeded.key_a, LIST, {"app": APP_A1, **variables})
    assert err["extensions"]["code"] == "BAD_USER_INPUT", err
    assert err["message"]


async def test_cursor_of_another_app_is_rejected(client: httpx.AsyncClient, seeded: Seeded) -> None:
    page = await gql_data(client, seeded.key_a, LIST, {"app": "gid://partners/App/102", "first": 2})
    cursor = page["app"]["customers"]["edges"][0]["cursor"]
    err = await gql_error(client, seeded.key_a, LIST, {"app": APP_A1, "after": cursor})
    assert err["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("query", [
    '{ app(id: "gid://partners/App/101") { customers(filter: {status: [SLEEPING]}) { totalCount } } }',
    '{ app(id: "gid://partners/App/101") { customers(first: "ten") { totalCount } } }',
    '{ app(id: "gid://partners/App/101") { nosuchfield } }',
    '{ app(id: "gid://partners/App/101") { customers { totalCount }',
])
async def test_invalid_documents_are_bad_user_input(client: httpx.AsyncClient, seeded: Seeded, query: str) -> None:
    err = await gql_error(client, seeded.key_a, query)
    assert err["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("node_id", ["!!!", "bm9wZQ", "Q3VzdG9tZXI6Zm9v", "gid://partners/Shop/1"])
async def test_invalid_node_ids_are_bad_user_input(client: httpx.AsyncClient, seeded: Seeded, node_id: str) -> None:
    err = await gql_error(client, seeded.key_a, "query($id: ID!) { node(id: $id) { id } }", {"id": node_id})
    assert err["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("args", ['shopId: "shop-1"', "", 'shopId: "gid://partners/Shop/1", domain: "a"'])
async def test_bad_customer_lookup_is_bad_user_input(client: httpx.AsyncClient, seeded: Seeded, args: str) -> None:
    q = '{ app(id: "gid://partners/App/101") { customer' + (f"({args})" if args else "") + " { id } } }"
    err = await gql_error(client, seeded.key_a, q)
    assert err["extensions"]["code"] == "BAD_USER_INPUT"


async def test_bad_input_in_one_field_leaves_no_500(client: httpx.AsyncClient, seeded: Seeded) -> None:
    r = await gql_post(client, seeded.key_a, LIST, {"app": APP_A1, "first": 999})
    assert r.status_code == 200
    body = r.json()
    assert body["data"] == {"app": None} and body["errors"][0]["path"] == ["app", "customers"]
