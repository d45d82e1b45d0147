"""The console's admin mutations against the simulator: connect, rotate, add and remove apps, keys; scopes,
revocation, and the token never readable in MongoDB nor returned."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import redis
from pymongo.asynchronous.database import AsyncDatabase

from crm_gateway.app import create_app
from crm_shared.broker import make_broker
from crm_shared.connections import Connector
from crm_shared.mongo import APPS, ORGANIZATIONS, SYNC_STATE
from crm_shared.store.registry import create_api_key, register_organization
from crm_shared.token_cipher import TokenCipher, cipher_from_settings
from tests.connect.conftest import (
    APP,
    GOOD_TOKEN,
    NO_APPS_TOKEN,
    NO_FINANCIALS_TOKEN,
    ORG,
    UNKNOWN_APP,
    WRONG_TOKEN,
    Sim,
)

CONNECT = """mutation($token: String!, $apps: [ID!]) { connectOrganization(accessToken: $token, appIds: $apps) {
  id name appIds tokenUpdatedAt } }"""
OTHER_ORG = "7777777"


@dataclass
class Gateway:
    client: httpx.AsyncClient
    db: AsyncDatabase
    full_key: str
    read_key: str
    cipher: TokenCipher
    broker_redis: redis.Redis

    async def gql(self, query: str, variables: dict[str, Any] | None = None, key: str | None = None) -> dict[str, Any]:
        r = await self.client.post("/graphql", json={"query": query, "variables": variables or {}},
                                   headers={"Authorization": f"Bearer {key or self.full_key}"})
        assert r.status_code < 500, r.text
        return r.json()  # type: ignore[no-any-return]


@pytest.fixture
async def gw(sim: Sim, db: AsyncDatabase, redis_url: str) -> AsyncIterator[Gateway]:
    """A gateway whose organization exists (a key was made for it) but is not connected to the Partner API yet."""
    await db[ORGANIZATIONS].insert_one({"_id": ORG, "name": "Acme"})
    full = await create_api_key(db, ORG, "console")
    read = await create_api_key(db, ORG, "viewer", scope="read")
    base, _, _ = redis_url.rpartition("/")
    broker_url = f"{base}/10"
    broker = make_broker(broker_url)
    cipher = cipher_from_settings()

    def connector() -> Connector:
        return Connector(db=db, cipher=cipher, partner_api_url=sim.url, partner_api_version="2026-04", broker=broker)

    app = create_app(db=db, broker=broker, redis_url=redis_url, production=True, create_indexes=False,
                     list_index=False, connector=connector)
    r = redis.Redis.from_url(broker_url)
    r.flushdb()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw.test") as client:
        yield Gateway(client, db, full, read, cipher, r)
    r.flushdb()
    r.close()
    broker.close()


async def test_good_token_connects_and_the_token_is_never_returned_nor_readable(gw: Gateway) -> None:
    body = await gw.gql(CONNECT, {"token": GOOD_TOKEN, "apps": [APP]})
    org = body["data"]["connectOrganization"]
    assert org["id"] == ORG and org["appIds"] == [APP] and org["tokenUpdatedAt"]
    assert GOOD_TOKEN not in json.dumps(body)
    stored = await gw.db[ORGANIZATIONS].find_one({"_id": ORG})
    assert "access_token" not in stored and GOOD_TOKEN not in json.dumps(stored, default=str)
    assert gw.cipher.decrypt(stored["access_token_encrypted"]) == GOOD_TOKEN
    assert (await gw.db[SYNC_STATE].find_one({"_id": APP}))["state"] == "QUEUED"
    assert gw.broker_redis.hlen("dramatiq:sync.msgs") == 1
    again = await gw.gql("{ organization { id name appIds apiKeys { name scope prefix revokedAt } } }")
    assert GOOD_TOKEN not in json.dumps(again)
    assert {k["name"]: k["scope"] for k in again["data"]["organization"]["apiKeys"]} == {
        "console": "FULL", "viewer": "READ"}


@pytest.mark.parametrize("token,apps,message", [
    (WRONG_TOKEN, [APP], "refused the access token"),
    (NO_FINANCIALS_TOKEN, [APP], 'lacks the "View financials" permission'),
    (NO_APPS_TOKEN, [APP], 'lacks the "Manage apps" permission'),
    (GOOD_TOKEN, [UNKNOWN_APP], "knows no app gid://partners/App/999"),
])
async def test_refused_connects_are_bad_user_input_and_store_nothing(gw: Gateway, token: str, apps: list[str],
                                                                   message: str) -> None:
    body = await gw.gql(CONNECT, {"token": token, "apps": apps})
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and message in error["message"]
    assert token not in json.dumps(body)
    assert await gw.db[ORGANIZATIONS].find_one({"_id": ORG}) == {"_id": ORG, "name": "Acme"}
    assert await gw.db[APPS].count_documents({}) == 0 and await gw.db[SYNC_STATE].count_documents({}) == 0
    assert gw.broker_redis.hlen("dramatiq:sync.msgs") == 0


async def test_a_key_connects_only_its_own_organization(gw: Gateway) -> None:
    body = await gw.gql("""mutation { connectOrganization(accessToken: "x", organizationId: "7654321") { id } }""")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


MUTATIONS = [
    (f'mutation {{ connectOrganization(accessToken: "{GOOD_TOKEN}") {{ id }} }}'),
    (f'mutation {{ rotatePartnerToken(accessToken: "{GOOD_TOKEN}") {{ id }} }}'),
    'mutation { addApp(appId: "gid://partners/App/101") { id } }',
    'mutation { removeApp(appId: "gid://partners/App/101") }',
    'mutation { createApiKey(name: "sneaky") { key } }',
    'mutation { revokeApiKey(id: "key_000000000000") { id } }',
    'mutation { triggerSync(appId: "gid://partners/App/101") { state } }',
    'mutation { deleteSegment(appId: "gid://partners/App/101", key: "saved:x") }',
]


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.split("(")[0].split()[-1])
async def test_a_read_only_key_cannot_call_any_mutation(gw: Gateway, mutation: str) -> None:
    await gw.gql(CONNECT, {"token": GOOD_TOKEN, "apps": [APP]})
    before = {c: await gw.db[c].find({}).to_list(None) for c in (ORGANIZATIONS, APPS, "api_keys")}
    body = await gw.gql(mutation, key=gw.read_key)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN" and "read-only" in body["errors"][0]["message"]
    assert body.get("data") is None
    assert before == {c: await gw.db[c].find({}).to_list(None) for c in (ORGANIZATIONS, APPS, "api_keys")}


async def test_a_read_only_key_still_queries_but_cannot_list_keys(gw: Gateway) -> None:
    await gw.gql(CONNECT, {"token": GOOD_TOKEN, "apps": [APP]})
    ok = await gw.gql("{ organization { id } apps { id } }", key=gw.read_key)
    assert ok["data"] == {"organization": {"id": ORG}, "apps": [{"id": APP}]}
    keys = await gw.gql("{ organization { apiKeys { name } } }", key=gw.read_key)
    assert keys["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_create_list_and_revoke_keys_and_a_revoked_key_is_refused_at_once(gw: Gateway) -> None:
    created = (await gw.gql('mutation { createApiKey(name: "ci", scope: READ) { key apiKey { id name scope } } }'))
    new = created["data"]["createApiKey"]
    assert new["apiKey"]["name"] == "ci" and new["apiKey"]["scope"] == "READ" and new["key"].startswith("crm_")
    assert (await gw.gql("{ apps { id } }", key=new["key"]))["data"] == {"apps": []}
    listed = await gw.gql("{ organization { apiKeys { id name } } }")
    assert new["key"] not in json.dumps(listed)
    revoked = await gw.gql('mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }', {"id": new["apiKey"]["id"]})
    assert revoked["data"]["revokeApiKey"]["revokedAt"]
    refused = await gw.client.post("/graphql", json={"query": "{ apps { id } }"},
                                   headers={"Authorization": f"Bearer {new['key']}"})
    assert refused.status_code == 401 and refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    again = await gw.gql('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', {"id": "key_ffffffffffff"})
    assert again["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_add_remove_app_and_rotate_token(gw: Gateway) -> None:
    await gw.gql(CONNECT, {"token": GOOD_TOKEN})
    unknown = await gw.gql('mutation { addApp(appId: "gid://partners/App/999") { appIds } }')
    assert unknown["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    added = await gw.gql('mutation { addApp(appId: "gid://partners/App/101") { appIds } }')
    assert added["data"]["addApp"]["appIds"] == [APP]
    bad = await gw.gql('mutation($t: String!) { rotatePartnerToken(accessToken: $t) { id } }', {"t": NO_APPS_TOKEN})
    assert "Manage apps" in bad["errors"][0]["message"]
    good = await gw.gql('mutation($t: String!) { rotatePartnerToken(accessToken: $t) { id } }', {"t": GOOD_TOKEN})
    assert good["data"]["rotatePartnerToken"]["id"] == ORG
    assert (await gw.gql('mutation { removeApp(appId: "gid://partners/App/101") }'))["data"]["removeApp"] is True
    assert (await gw.gql('mutation { removeApp(appId: "gid://partners/App/101") }'))["data"]["removeApp"] is False


async def test_another_organizations_key_cannot_remove_or_see_the_app(gw: Gateway) -> None:
    await gw.gql(CONNECT, {"token": GOOD_TOKEN, "apps": [APP]})
    await register_organization(gw.db, OTHER_ORG, "Rival", "prtapi_rival", [], cipher=gw.cipher)
    rival = await create_api_key(gw.db, OTHER_ORG, "rival")
    assert (await gw.gql('mutation { removeApp(appId: "gid://partners/App/101") }', key=rival))["data"] == {
        "removeApp": False}
    assert await gw.db[APPS].count_documents({"_id": APP, "organization_id": ORG}) == 1
    seen = await gw.gql("{ organization { id appIds apiKeys { name } } }", key=rival)
    assert seen["data"]["organization"] == {"id": OTHER_ORG, "appIds": [], "apiKeys": [{"name": "rival"}]}
