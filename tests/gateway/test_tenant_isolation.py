"""Another organization's ids behave exactly like ids that do not exist, at every entry point."""

from __future__ import annotations

import httpx

from crm_gateway.graphql.types.node import customer_global_id
from crm_shared.mongo import SAVED_SEGMENTS, SYNC_STATE
from tests.gateway.conftest import APP_A1, APP_B, Seeded, gql_data, gql_post, make_client

MISSING_APP = "gid://partners/App/999"


def strip(body: dict, app_id: str) -> str:
    return str(body).replace(app_id, "APP")


async def test_apps_lists_only_own_organization(client: httpx.AsyncClient, seeded: Seeded) -> None:
    a = await gql_data(client, seeded.key_a, "{ apps { id } }")
    b = await gql_data(client, seeded.key_b, "{ apps { id } }")
    assert [x["id"] for x in a["apps"]] == [APP_A1, "gid://partners/App/102"]
    assert [x["id"] for x in b["apps"]] == [APP_B]


async def test_foreign_app_list_profile_segment_equal_missing(client: httpx.AsyncClient, seeded: Seeded) -> None:
    q = """query($app: ID!) { app(id: $app) { id customers { totalCount } segments { key count }
             customer(shopId: "gid://partners/Shop/1") { id } segment(key: "VIP") { count } } }"""
    foreign = await gql_post(client, seeded.key_b, q, {"app": APP_A1})
    missing = await gql_post(client, seeded.key_b, q, {"app": MISSING_APP})
    assert foreign.status_code == missing.status_code == 200
    assert foreign.json() == missing.json() == {"data": {"app": None}}


async def test_foreign_customer_node_equals_missing(client: httpx.AsyncClient, seeded: Seeded) -> None:
    own_id = customer_global_id(f"{APP_A1}|gid://partners/Shop/1")
    q = "query($id: ID!) { node(id: $id) { id } }"
    assert (await gql_data(client, seeded.key_a, q, {"id": own_id}))["node"] == {"id": own_id}
    assert (await gql_data(client, seeded.key_b, q, {"id": own_id}))["node"] is None
    missing = customer_global_id(f"{APP_B}|gid://partners/Shop/424242")
    assert (await gql_data(client, seeded.key_b, q, {"id": missing}))["node"] is None
    assert (await gql_data(client, seeded.key_b, q, {"id": APP_A1}))["node"] is None


async def test_mutations_on_foreign_apps_equal_missing_and_change_nothing(fresh: Seeded, redis_url: str) -> None:
    async with make_client(fresh.db, redis_url) as client:
        mutations = [
            ("mutation($app: ID!) { triggerSync(appId: $app) { state } }", {}),
            ("mutation($app: ID!) { saveSegment(appId: $app, name: \"Mine\", filter: {}) { key } }", {}),
            ("mutation($app: ID!) { deleteSegment(appId: $app, key: \"saved:x\") }", {}),
            ("mutation($app: ID!, $p: [ShopProfileInput!]!) { reportShopProfiles(appId: $app, profiles: $p) }",
             {"p": [{"shopId": "gid://partners/Shop/1", "email": "a@b.example"}]}),
        ]
        for q, extra in mutations:
            foreign = (await gql_post(client, fresh.key_b, q, {"app": APP_A1, **extra})).json()
            missing = (await gql_post(client, fresh.key_b, q, {"app": MISSING_APP, **extra})).json()
            assert strip(foreign, APP_A1) == strip(missing, MISSING_APP), q
            assert foreign["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        state = await fresh.db[SYNC_STATE].find_one({"_id": APP_A1})
        assert state["state"] == "IDLE"
        assert await fresh.db[SAVED_SEGMENTS].count_documents({}) == 0


async def test_no_key_or_revoked_key_is_unauthenticated(fresh: Seeded, redis_url: str) -> None:
    from crm_shared.store.registry import revoke_api_key

    async with make_client(fresh.db, redis_url) as client:
        for headers in ({}, {"Authorization": "Bearer crm_wrong"}, {"Authorization": "Basic abc"}):
            r = await client.post("/graphql", json={"query": "{ apps { id } }"}, headers=headers)
            assert r.status_code == 401
            assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert await revoke_api_key(fresh.db, fresh.key_a[:8]) == 1
        r = await gql_post(client, fresh.key_a, "{ apps { id } }")
        assert r.status_code == 401
