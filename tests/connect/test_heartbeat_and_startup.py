"""Worker heartbeats prove consumption; production services refuse to start without CRM_SECRET_KEY; the
gateway serves a built console at /."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from pymongo.asynchronous.database import AsyncDatabase

REDIS_DB = 13


def heartbeat_check(env: dict[str, str], queue: str, max_age: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crm_shared.heartbeat", queue, "--max-age", str(max_age)],
                          env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("queue,argv", [("analytics", ["-m", "crm_analytics", "worker"]),
                                        ("sync", ["-m", "crm_sync", "worker"])])
def test_a_consuming_worker_keeps_its_heartbeat_fresh_and_a_stopped_one_goes_stale(
    queue: str, argv: list[str], redis_url: str, tmp_path: Path,
) -> None:
    import redis

    base, _, _ = redis_url.rpartition("/")
    env = {**os.environ, "REDIS_URL": f"{base}/{REDIS_DB}", "MONGODB_DB": "heartbeat_test"}
    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    before = heartbeat_check(env, queue, 60)
    assert before.returncode == 1 and "no " + queue + " heartbeat" in before.stderr
    with open(tmp_path / "worker.log", "w") as log:
        worker = subprocess.Popen([sys.executable, *argv], env=env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while heartbeat_check(env, queue, 60).returncode != 0:
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.5)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
    stopped_at = time.monotonic()
    while time.monotonic() - stopped_at < 1.5:
        time.sleep(0.1)
    stale = heartbeat_check(env, queue, 1)
    assert stale.returncode == 1 and "last" in stale.stderr
    redis.Redis.from_url(env["REDIS_URL"]).flushdb()


@pytest.mark.parametrize("argv,service", [(["-m", "crm_gateway", "serve"], "the gateway"),
                                          (["-m", "crm_sync", "worker"], "the sync worker")])
def test_production_services_refuse_to_start_without_a_secret_key(argv: list[str], service: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CRM_SECRET_KEY"}
    env["CRM_ENV"] = "production"
    result = subprocess.run([sys.executable, *argv], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert f"{service} refuses to start in production: CRM_SECRET_KEY is not set" in result.stderr
    assert "crm secrets new-key" in result.stderr


async def test_the_gateway_serves_a_built_console_at_the_root(db: AsyncDatabase, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from crm_gateway.app import create_app

    (tmp_path / "index.html").write_text("<!doctype html><title>CRM console</title>")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "app.js").write_text("console.log('hi')")
    monkeypatch.setenv("CRM_WEB_DIST", str(tmp_path))
    app = create_app(db=db, production=True, create_indexes=False, list_index=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw.test") as c:
        page = await c.get("/")
        assert page.status_code == 200 and "CRM console" in page.text
        assert (await c.get("/assets/app.js")).status_code == 200
        assert (await c.get("/healthz")).json() == {"status": "ok"}
        assert (await c.post("/graphql", json={"query": "{ apps { id } }"})).status_code == 401
    monkeypatch.setenv("CRM_WEB_DIST", str(tmp_path / "missing"))
    bare = create_app(db=db, production=True, create_indexes=False, list_index=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=bare), base_url="http://gw.test") as c:
        unbuilt = await c.get("/")
        assert unbuilt.status_code == 503 and "The console is not built" in unbuilt.text
