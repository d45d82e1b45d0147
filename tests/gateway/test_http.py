"""GraphQL over HTTP, health, metrics, production hardening and query limits."""

from __future__ import annotations

import json

import httpx

from crm_devstack.processes import free_port
from crm_gateway.app import create_app
from crm_gateway.graphql.schema import MAX_ALIASES, MAX_DEPTH
from crm_shared.mongo import CUSTOMERS
from tests.gateway.conftest import APP_A1, Seeded, gql_post, make_client
from tests.gateway.factories import NOW


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_get_serves_queries(client: httpx.AsyncClient, seeded: Seeded) -> None:
    r = await client.get("/graphql", params={"query": "{ apps { id } }"},
                         headers={**auth(seeded.key_a), "Accept": "application/json"})
    assert r.status_code == 200 and r.json()["data"]["apps"][0]["id"] == APP_A1


async def test_get_refuses_mutations_with_405(client: httpx.AsyncClient, seeded: Seeded) -> None:
    r = await client.get("/graphql", params={"query": 'mutation { deleteSegment(appId: "x", key: "saved:x") }'},
                         headers={**auth(seeded.key_a), "Accept": "application/json"})
    assert r.status_code == 405


async def test_graphql_response_media_type_and_status_codes(client: httpx.AsyncClient, seeded: Seeded) -> None:
    accept = {"Accept": "application/graphql-response+json, application/json;q=0.9"}
    ok = await gql_post(client, seeded.key_a, "{ apps { id } }", **accept)
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("application/graphql-response+json")
    invalid = await gql_post(client, seeded.key_a, "{ apps { nosuch } }", **accept)
    assert invalid.status_code == 400 and "data" not in invalid.json()
    field_error = await gql_post(client, seeded.key_a,
                                 '{ app(id: "gid://partners/App/101") { customers(first: 900) { totalCount } } }',
                                 **accept)
    assert field_error.status_code == 200 and field_error.json()["data"] == {"app": None}
    legacy = await gql_post(client, seeded.key_a, "{ apps { nosuch } }", Accept="application/json")
    assert legacy.status_code == 200 and legacy.headers["content-type"].startswith("application/json")


async def test_malformed_json_body_is_400(client: httpx.AsyncClient, seeded: Seeded) -> None:
    r = await client.post("/graphql", content=b"{not json", headers={**auth(seeded.key_a),
                                                                       "Content-Type": "application/json"})
    assert r.status_code == 400


async def test_depth_alias_and_token_limits(client: httpx.AsyncClient, seeded: Seeded) -> None:
    deep = "{ apps { " + "customers { edges { node { " * 4 + "id" + " } } }" * 4 + " } }"
    assert deep.count("{") > MAX_DEPTH
    r = await gql_post(client, seeded.key_a, deep)
    assert r.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "depth" in r.json()["errors"][0]["message"]
    aliases = "{ " + " ".join(f"a{i}: apps {{ id }}" for i in range(MAX_ALIASES + 1)) + " }"
    r = await gql_post(client, seeded.key_a, aliases)
    assert r.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    tokens = "{ apps { " + " ".join(["id"] * 4000) + " } }"
    r = await gql_post(client, seeded.key_a, tokens)
    assert r.status_code < 500 and r.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_development_mode_serves_graphiql_and_introspection(client: httpx.AsyncClient, seeded: Seeded) -> None:
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql.min.js" in page.text and "unpkg" not in page.text
    asset = await client.get("/static/graphiql/graphiql.min.js")
    assert asset.status_code == 200 and len(asset.content) > 100_000
    r = await gql_post(client, seeded.key_a, "{ __schema { queryType { name } } }")
    assert r.json()["data"]["__schema"]["queryType"]["name"] == "Query"
    typo = await gql_post(client, seeded.key_a, "{ aps { id } }")
    assert "Did you mean" in typo.json()["errors"][0]["message"]


async def test_production_mode_hides_introspection_suggestions_and_internals(fresh: Seeded, redis_url: str) -> None:
    await fresh.db[CUSTOMERS].update_one({"_id": f"{APP_A1}|gid://partners/Shop/1"}, {"$set": {"status": "WEIRD"}})
    async with make_client(fresh.db, redis_url, production=True) as client:
        assert (await client.get("/graphql", headers={"Accept": "text/html"})).status_code == 404
        r = await gql_post(client, fresh.key_a, "{ __schema { queryType { name } } }")
        assert r.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        typo = await gql_post(client, fresh.key_a, "{ aps { id } }")
        assert "Did you mean" not in typo.json()["errors"][0]["message"]
        broken = await gql_post(client, fresh.key_a,
                                '{ app(id: "gid://partners/App/101") { customer(shopId: "gid://partners/Shop/1") '
                                '{ status } } }')
        err = broken.json()["errors"][0]
        assert err["extensions"]["code"] == "INTERNAL" and err["message"] == "Internal server error"
        assert "WEIRD" not in json.dumps(broken.json())
    async with make_client(fresh.db, redis_url, production=False) as dev:
        broken = await gql_post(dev, fresh.key_a,
                                '{ app(id: "gid://partners/App/101") { customer(shopId: "gid://partners/Shop/1") '
                                '{ status } } }')
        assert broken.json()["errors"][0]["extensions"]["code"] == "INTERNAL"


async def test_healthz_readyz_and_metrics(client: httpx.AsyncClient, seeded: Seeded) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"mongodb": True, "redis": True}
    await gql_post(client, seeded.key_a, "{ apps { id } }")
    metrics = await client.get("/metrics")
    assert 'crm_gateway_requests_total{method="POST",route="/graphql",status="200"}' in metrics.text
    assert "crm_gateway_request_seconds_bucket" in metrics.text


async def test_readyz_is_503_when_redis_is_down(seeded: Seeded) -> None:
    app = create_app(db=seeded.db, redis_url=f"redis://127.0.0.1:{free_port()}/0", clock=lambda: NOW,
                     production=False, create_indexes=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.get("/readyz")
        assert r.status_code == 503 and r.json()["checks"] == {"mongodb": True, "redis": False}


def fragment_bomb(levels: int) -> str:
    frags = [f"fragment F{i} on App {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    frags.append(f"fragment F{levels} on App {{ id name }}")
    return "{ apps { ...F0 } } " + " ".join(frags)


async def test_fragment_bomb_is_rejected_quickly(client: httpx.AsyncClient, seeded: Seeded) -> None:
    r = await gql_post(client, seeded.key_a, fragment_bomb(40))
    err = r.json()["errors"][0]
    assert err["extensions"]["code"] == "BAD_USER_INPUT" and "fields once fragments are expanded" in err["message"]
    ok = await gql_post(client, seeded.key_a, fragment_bomb(3))  # 8 copies of {id name}: fine
    assert ok.json()["data"]["apps"][0]["id"] == APP_A1


async def test_introspection_query_of_graphiql_passes_the_limits(client: httpx.AsyncClient, seeded: Seeded) -> None:
    from graphql import get_introspection_query

    r = await gql_post(client, seeded.key_a, get_introspection_query(descriptions=True))
    assert "errors" not in r.json() and r.json()["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_oversized_requests_are_413_or_414(client: httpx.AsyncClient, seeded: Seeded) -> None:
    from crm_gateway.http_view import MAX_BODY_BYTES

    big = await gql_post(client, seeded.key_a, "{" + " " * (MAX_BODY_BYTES + 10) + "apps { id } }")
    assert big.status_code == 413 and big.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    long_get = await client.get("/graphql", params={"query": "{ apps { id } }" + " " * 20_000},
                                headers={**auth(seeded.key_a), "Accept": "application/json"})
    assert long_get.status_code == 414
    fine = await gql_post(client, seeded.key_a, "{" + " " * 10_000 + "apps { id } }")
    assert fine.status_code == 200 and fine.json()["data"]["apps"]


async def test_malformed_bodies_are_400(client: httpx.AsyncClient, seeded: Seeded) -> None:
    for body in (b'"{ apps { id } }"', b"42", b"[]", b'{"query": "{ apps \xff }"}', b"[" * 50_000 + b"]" * 50_000):
        r = await client.post("/graphql", content=body, headers={**auth(seeded.key_a),
                                                                  "Content-Type": "application/json"})
        assert r.status_code == 400, body[:20]


async def test_star_accept_and_no_accept_get_application_json_with_200_for_request_errors(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    for accept in ("*/*", None):
        request = client.build_request("POST", "/graphql", json={"query": "{ apps\\u0000 { id } }"},
                                       headers={**auth(seeded.key_a), "Accept": accept or ""})
        if accept is None:
            del request.headers["accept"]  # httpx sends */* unless told otherwise
        r = await client.send(request)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/json"), accept
        assert r.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_field_cancelled_by_an_error_elsewhere_does_not_fail_its_siblings(client, seeded) -> None:
    """Regression (found by the fast-executor differential test): `node` fails (first and last together), so
    graphql-core cancels its pending fields, among them a load of app 101's sync state that `apps[0].syncStatus`
    shares; the shared answer was cancelled with it and the request ended in a 500."""
    query = """{ apps { syncStatus { transactionsSynced } }
                 node(id: "gid://partners/App/101") { ... on App { syncStatus { transactionsSynced }
                                                                   customers(first: 1, last: 1) { totalCount } } } }"""
    for _ in range(5):
        response = await client.post("/graphql", json={"query": query},
                                     headers={"Authorization": f"Bearer {seeded.key_a}"})
        assert response.status_code == 200, response.text
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
