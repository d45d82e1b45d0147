"""The simulator's HTTP layer answers exactly as the production Partner API does."""

from __future__ import annotations

import httpx

from partner_sim import error_bodies
from partner_sim.server import SimServer
from tests.sim.conftest import TOKEN, gql

VERSIONS_QUERY = "{ publicApiVersions { handle supported } }"


def test_wrong_access_token_is_401_invalid_access_token(client: httpx.Client, sim: SimServer) -> None:
    resp = gql(client, sim, VERSIONS_QUERY, token="prtapi_wrong")
    assert resp.status_code == 401
    assert resp.json() == {"errors": [{"message": "Invalid access token", "extensions": {"code": "401"}}]}


def test_missing_access_token_is_401(client: httpx.Client, sim: SimServer) -> None:
    resp = client.post(sim.graphql_url(), json={"query": VERSIONS_QUERY})
    assert resp.status_code == 401
    assert resp.json() == error_bodies.INVALID_TOKEN


def test_another_organizations_path_is_401(client: httpx.Client, sim: SimServer) -> None:
    resp = client.post(f"{sim.base_url}/7654321/api/2026-04/graphql.json", json={"query": VERSIONS_QUERY},
                       headers={"X-Shopify-Access-Token": TOKEN})
    assert resp.status_code == 401


def test_unknown_version_is_404_invalid_api_version(client: httpx.Client, sim: SimServer) -> None:
    resp = gql(client, sim, VERSIONS_QUERY, version="2024-01")
    assert resp.status_code == 404
    assert resp.json() == {"errors": [{"message": "Invalid API version", "extensions": {"code": "404"}}]}


def test_query_over_50000_characters_is_400(client: httpx.Client, sim: SimServer) -> None:
    query = "{ publicApiVersions { handle } }" + " " * 50_000
    resp = gql(client, sim, query)
    assert resp.status_code == 400
    assert resp.json() == {
        "errors": [{"message": "Maximum query length is 50000 characters", "extensions": {"code": "400"}}]
    }


def test_query_of_exactly_50000_characters_is_served(client: httpx.Client, sim: SimServer) -> None:
    query = VERSIONS_QUERY + " " * (50_000 - len(VERSIONS_QUERY))
    resp = gql(client, sim, query)
    assert resp.status_code == 200
    assert "errors" not in resp.json()


def test_end_cursor_is_a_validation_error_worded_as_production(client: httpx.Client, sim: SimServer) -> None:
    query = '{ app(id: "gid://partners/App/101") { events(first: 1) { pageInfo { endCursor } } } }'
    resp = gql(client, sim, query)
    assert resp.status_code == 200
    assert resp.json() == {
        "errors": [{
            "message": "Field 'endCursor' doesn't exist on type 'PageInfo'",
            "locations": [{"line": 1, "column": query.index("endCursor") + 1}],
            "extensions": {"code": "undefinedField", "typeName": "PageInfo", "fieldName": "endCursor"},
        }]
    }


def test_unknown_argument_is_a_validation_error(client: httpx.Client, sim: SimServer) -> None:
    query = '{ app(id: "gid://partners/App/101") { events(first: 1, since: "x") { edges { cursor } } } }'
    body = gql(client, sim, query).json()
    assert "data" not in body
    assert body["errors"][0]["message"] == "Field 'events' doesn't accept argument 'since'"
    assert body["errors"][0]["extensions"]["code"] == "argumentNotAccepted"


def test_2026_07_fields_do_not_validate_on_older_versions(client: httpx.Client, sim: SimServer) -> None:
    query = "{ events(first: 1) { edges { node { id } } } }"
    old = gql(client, sim, query, version="2026-04").json()
    assert old["errors"][0]["message"] == "Field 'events' doesn't exist on type 'QueryRoot'"
    new = gql(client, sim, query, version="2026-07").json()
    assert "errors" not in new


def test_public_api_versions_lists_the_configured_versions(client: httpx.Client, sim: SimServer) -> None:
    body = gql(client, sim, "{ publicApiVersions { handle displayName supported } }").json()
    assert body["data"]["publicApiVersions"] == [
        {"handle": "2025-10", "displayName": "2025-10", "supported": True},
        {"handle": "2026-01", "displayName": "2026-01", "supported": True},
        {"handle": "2026-04", "displayName": "2026-04", "supported": True},
        {"handle": "2026-07", "displayName": "2026-07 (Latest)", "supported": True},
    ]


def test_body_without_query_is_400(client: httpx.Client, sim: SimServer) -> None:
    resp = client.post(sim.graphql_url(), content=b"not json", headers={"X-Shopify-Access-Token": TOKEN})
    assert resp.status_code == 400
    assert resp.json() == error_bodies.BAD_REQUEST_BODY
