"""The gateway serves the built console at "/" with a history fallback, and the schema file codegen reads."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from crm_gateway.console import console_routes
from crm_gateway.schema_sdl import schema_sdl
from tests.gateway.conftest import Seeded, make_client

REPO = Path(__file__).resolve().parents[2]


def test_the_committed_schema_file_is_the_current_schema() -> None:
    committed = (REPO / "web" / "schema.graphql").read_text(encoding="utf-8")
    assert committed == schema_sdl(), "run: .venv/bin/python -m crm_gateway.schema_sdl web/schema.graphql"


async def test_index_for_every_console_path_and_hashed_assets(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>console</title>")
    (tmp_path / "assets" / "index-abc.js").write_text("console.log(1)")
    app = Starlette(routes=console_routes(tmp_path))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        for path in ("/", "/apps", "/apps/101/customers/5?txSort=DATE_ASC"):
            r = await c.get(path)
            assert r.status_code == 200 and "console" in r.text
            assert "default-src 'self'" in r.headers["content-security-policy"]
            assert r.headers["cache-control"] == "no-cache"
        asset = await c.get("/assets/index-abc.js")
        assert asset.status_code == 200 and "immutable" in asset.headers["cache-control"]
        assert (await c.get("/assets/missing.js")).status_code == 404
        assert (await c.get("/favicon.ico")).status_code == 404


async def test_a_missing_build_says_how_to_build_it(tmp_path: Path) -> None:
    app = Starlette(routes=console_routes(tmp_path / "nothing"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.get("/apps")
    assert r.status_code == 503 and "make web" in r.text


async def test_production_serves_the_console_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 seeded: Seeded) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>the console</title>")
    monkeypatch.setenv("CRM_WEB_DIST", str(tmp_path))
    async with make_client(seeded.db, production=True) as c:
        page = await c.get("/apps/101/analytics?range=12m")
        assert page.status_code == 200 and "the console" in page.text
        assert (await c.get("/healthz")).status_code == 200  # API routes keep precedence
        ide = await c.get("/graphql", headers={"Accept": "text/html"})
        assert "the console" not in ide.text  # /graphql is never the console
