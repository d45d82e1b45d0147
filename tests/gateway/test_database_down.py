"""While MongoDB cannot be reached the gateway answers a clear 503, never a bare 500."""

from __future__ import annotations

import httpx
from pymongo import AsyncMongoClient

from crm_devstack.processes import free_port
from crm_gateway.app import create_app


def _unreachable_app() -> httpx.AsyncClient:
    port = free_port()  # nothing listens there
    client: AsyncMongoClient = AsyncMongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true",
                                                serverSelectionTimeoutMS=300, tz_aware=True)
    app = create_app(db=client["crm"], production=True, create_indexes=False)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway")


async def test_graphql_answers_503_unavailable_while_mongodb_is_down() -> None:
    async with _unreachable_app() as http:
        r = await http.post("/graphql", json={"query": "{ apps { id } }"},
                            headers={"Authorization": "Bearer crm_some_key"})
    assert r.status_code == 503
    assert r.headers["retry-after"] == "5"
    assert r.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
    assert "unavailable" in r.json()["errors"][0]["message"]


async def test_export_answers_503_unavailable_while_mongodb_is_down() -> None:
    async with _unreachable_app() as http:
        r = await http.get("/export/customers.csv", params={"appId": "gid://partners/App/1"},
                           headers={"Authorization": "Bearer crm_some_key"})
    assert r.status_code == 503
    assert r.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
