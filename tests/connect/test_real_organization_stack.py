"""`make run` with PARTNER_API_URL at a Partner API holding another organization than the demo one: no demo
data is registered and nothing is synced; `crm org connect` (with the environment the stack writes) connects
the organization and its first sync runs; the token never appears in a log line, a stored document or an API
response."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from crm_devstack.processes import free_port
from tests.connect.conftest import APP, GOOD_TOKEN, ORG, Sim

pytestmark = pytest.mark.e2e

REDIS_DB = 12


@dataclass
class Stack:
    proc: subprocess.Popen[str]
    data_dir: Path
    gateway: str
    db_name: str
    output: list[str] = field(default_factory=list)

    def wait_for_output(self, text: str, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.output):
            assert self.proc.poll() is None, "".join(self.output)
            assert time.monotonic() < deadline, "".join(self.output)
            time.sleep(0.2)

    def crm_env(self) -> dict[str, str]:
        env = dict(os.environ)
        for line in (self.data_dir / "crm.env").read_text().splitlines():
            name, _, value = line.removeprefix("export ").partition("=")
            env[name] = shlex.split(value)[0] if value else ""
        return env


@pytest.fixture(scope="module")
def stack(sim: Sim, mongo_uri: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("real-org")
    port = free_port()
    base, _, _ = redis_url.rpartition("/")
    db_name = f"realorg_{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "MONGODB_URI": mongo_uri, "MONGODB_DB": db_name, "REDIS_URL": f"{base}/{REDIS_DB}",
           "PARTNER_API_URL": sim.url, "GATEWAY_PORT": str(port), "PARTNER_SIM_PORT": str(free_port()),
           "PYTHONUNBUFFERED": "1"}
    for name in ("PARTNER_SIM_SCENARIO", "CRM_BOOTSTRAP_API_KEY", "CRM_NOW"):
        env.pop(name, None)
    proc = subprocess.Popen([sys.executable, "-m", "crm_devstack", "run"], cwd=workdir, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    running = Stack(proc, workdir / ".data", f"http://127.0.0.1:{port}/graphql", db_name)

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            running.output.append(line)

    threading.Thread(target=pump, daemon=True).start()
    try:
        running.wait_for_output("Press Ctrl-C to stop everything.")
        yield running
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
async def db(stack: Stack, mongo_uri: str) -> AsyncIterator[AsyncDatabase]:
    client: AsyncMongoClient = AsyncMongoClient(mongo_uri, tz_aware=True)
    yield client[stack.db_name]
    await client.close()


async def test_no_demo_data_is_registered_and_the_banner_says_how_to_connect(stack: Stack, sim: Sim,
                                                                            db: AsyncDatabase) -> None:
    banner = "".join(stack.output)
    assert "with no demo data (PARTNER_API_URL is set)" in banner and "crm org connect --org" in banner
    assert "API key:" not in banner
    for collection in ("organizations", "apps", "api_keys", "partner_events", "customers", "sync_state"):
        assert await db[collection].count_documents({}) == 0, collection
    assert sim.request_count() == 0  # no sync of a demo app against the real endpoint
    assert not list(stack.data_dir.glob("demo-scenario-*.json"))
    assert oct((stack.data_dir / "crm.env").stat().st_mode & 0o777) == "0o600"


async def test_connecting_starts_the_first_sync_and_the_token_is_never_in_logs_data_or_responses(
    stack: Stack, db: AsyncDatabase,
) -> None:
    env = {**stack.crm_env(), "PARTNER_API_TOKEN": GOOD_TOKEN}
    connect = subprocess.run([sys.executable, "-m", "crm_shared.cli", "org", "connect", "--org", ORG, "--app", APP],
                             env=env, capture_output=True, text=True, timeout=120)
    assert connect.returncode == 0, connect.stderr
    key = subprocess.run([sys.executable, "-m", "crm_shared.cli", "keys", "create", "--org", ORG], env=env,
                         capture_output=True, text=True, timeout=120).stdout.strip()
    responses: list[str] = []
    deadline = time.monotonic() + 240
    query = """{ organization { id name appIds tokenUpdatedAt apiKeys { name prefix } }
      app(id: "gid://partners/App/101") { syncStatus { state lastError } customers(first: 10) { totalCount } } }"""
    async with httpx.AsyncClient(timeout=30) as client:
        while True:
            r = await client.post(stack.gateway, json={"query": query}, headers={"Authorization": f"Bearer {key}"})
            responses.append(r.text)
            app = r.json()["data"]["app"]
            if app["syncStatus"]["state"] == "IDLE" and app["customers"]["totalCount"] == 6:
                break
            assert app["syncStatus"]["state"] != "FAILED", app
            assert time.monotonic() < deadline, responses[-1]
            await _sleep(0.5)
    status = subprocess.run([sys.executable, "-m", "crm_shared.cli", "status"], env=env, capture_output=True,
                            text=True, timeout=120)
    assert "6 customers" in status.stdout
    outputs = [connect.stdout, connect.stderr, status.stdout, status.stderr, "".join(stack.output), *responses]
    assert not [o for o in outputs if GOOD_TOKEN in o]
    logs = list((stack.data_dir / "logs").glob("*.log"))
    assert {p.stem for p in logs} >= {"gateway", "sync-worker", "analytics-worker"}
    assert [p.name for p in logs if GOOD_TOKEN in p.read_text(errors="replace")] == []
    for name in await db.list_collection_names():
        dump = json.dumps(await db[name].find({}).to_list(None), default=str)
        assert GOOD_TOKEN not in dump, name


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)
