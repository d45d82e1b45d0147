"""CORS: the origins of CRM_CORS_ORIGINS get the headers, any other origin gets none; none by default."""

from __future__ import annotations

import httpx
import pytest
from pymongo.asynchronous.database import AsyncDatabase

from crm_gateway.app import create_app
from crm_gateway.cors import parse_origins
from crm_shared.errors import ConfigurationError
from crm_shared.store.registry import create_api_key

ALLOWED = "https://crm.example.com"


def client(db: AsyncDatabase, origins: list[str] | None) -> httpx.AsyncClient:
    app = create_app(db=db, production=True, create_indexes=False, list_index=False, cors_origins=origins)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw.test")


async def test_an_allowed_origin_gets_the_headers_and_another_does_not(db: AsyncDatabase) -> None:
    key = await create_api_key(db, "1", "t")
    async with client(db, [ALLOWED, "http://localhost:5173"]) as c:
        preflight = await c.options("/graphql", headers={
            "Origin": ALLOWED, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"})
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == ALLOWED
        assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
        ok = await c.post("/graphql", json={"query": "{ apps { id } }"},
                          headers={"Origin": ALLOWED, "Authorization": f"Bearer {key}"})
        assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == ALLOWED
        assert "access-control-allow-credentials" not in ok.headers
        denied = await c.options("/graphql", headers={"Origin": "https://evil.example",
                                                      "Access-Control-Request-Method": "POST"})
        assert denied.status_code == 400 and "access-control-allow-origin" not in denied.headers
        other = await c.post("/graphql", json={"query": "{ apps { id } }"},
                             headers={"Origin": "https://evil.example", "Authorization": f"Bearer {key}"})
        assert "access-control-allow-origin" not in other.headers


async def test_no_origin_is_allowed_by_default(db: AsyncDatabase) -> None:
    async with client(db, None) as c:  # CRM_CORS_ORIGINS unset in the test environment
        preflight = await c.options("/graphql", headers={"Origin": ALLOWED, "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in preflight.headers
        assert preflight.status_code == 405


def test_origins_are_parsed_strictly() -> None:
    assert parse_origins(" https://a.example , http://localhost:5173/ ") == ["https://a.example",
                                                                              "http://localhost:5173"]
    assert parse_origins("") == []
    for bad in ("*", "a.example", "https://a.example/path", "ftp://a.example"):
        with pytest.raises(ConfigurationError, match="CRM_CORS_ORIGINS"):
            parse_origins(bad)
