"""The whole stack on the console scenario, and a headless Debian Chromium driving the console."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from crm_devstack.processes import free_port
from crm_devstack.stack import RunningStack, StackConfig, start_stack
from tests.console.scenario import APP, EXPECTED, write

REPO = Path(__file__).resolve().parents[2]
DIST = REPO / "web" / "dist" / "index.html"
AXE = REPO / "web" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(os.environ.get("CRM_TEST_ARTIFACTS", REPO / "test-artifacts")) / "console"
KEY = "crm_console_test_key_0123456789"
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1440,1000")


def need(condition: bool, message: str) -> None:
    """A missing prerequisite skips locally and fails in CI."""
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def graphql(stack: RunningStack, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    r = httpx.post(stack.graphql_url, json={"query": query, "variables": variables or {}},
                   headers={"Authorization": f"Bearer {KEY}"}, timeout=30)
    body = r.json()
    assert "errors" not in body, body
    return body["data"]


async def _analytics_ready(stack: RunningStack) -> bool:
    client: AsyncMongoClient = AsyncMongoClient(stack.env["MONGODB_URI"])
    try:
        db = client[stack.env["MONGODB_DB"]]
        summary = await db.app_summaries.find_one({"_id": APP})
        return bool(summary and summary.get("customers") == len(EXPECTED)
                    and await db.app_metrics.count_documents({"app_id": APP}) > 0)
    finally:
        await client.close()


def wait_until_derived(stack: RunningStack, timeout: float = 300) -> None:
    """Every shop derived as expected and the app's analytics computed (polls the API, no fixed sleeps)."""
    query = """query($app: ID!) { app(id: $app) { syncStatus { state lastSyncedAt }
      customers(first: 50) { edges { node { shopId status mrr { amount } } } } } }"""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            r = httpx.post(stack.graphql_url, json={"query": query, "variables": {"app": APP}},
                           headers={"Authorization": f"Bearer {KEY}"}, timeout=30).json()
            app = (r.get("data") or {}).get("app")
            if app:
                got = {int(e["node"]["shopId"].rsplit("/", 1)[1]): (e["node"]["status"], e["node"]["mrr"]["amount"])
                       for e in app["customers"]["edges"]}
                want = {n: (v[1], v[3]) for n, v in EXPECTED.items()}
                last = (app["syncStatus"], got)
                if got == want and app["syncStatus"]["lastSyncedAt"] and asyncio.run(_analytics_ready(stack)):
                    return
            else:
                last = r
        except (httpx.HTTPError, ValueError) as exc:
            last = repr(exc)
        time.sleep(1.0)
    raise AssertionError(f"the console scenario did not converge: {last}")


@pytest.fixture(scope="package")
def console_stack(services: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    need(DIST.is_file(), "the console is not built (make web)")
    scenario = write(tmp_path_factory.mktemp("console") / "scenario.json")
    config = StackConfig(
        data_dir=tmp_path_factory.mktemp("console-stack"),
        gateway_port=free_port(),
        sim_port=free_port(),
        scenario=scenario,
        mongodb_uri=services["mongodb_uri"],
        redis_url=None,  # a Redis of its own: nothing queued by another stack reaches its workers
        bootstrap_api_key=KEY,
        extra_env={"MONGODB_DB": "console_" + str(free_port())},
    )
    running = start_stack(config)
    try:
        wait_until_derived(running)
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="package")
def base_url(console_stack: RunningStack) -> str:
    return console_stack.graphql_url.removesuffix("/graphql")


@pytest.fixture(scope="package")
def browser(console_stack: RunningStack) -> Iterator[Any]:
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    need(chromium is not None and chromedriver is not None,
         "chromium/chromedriver not installed (make install-chromium)")
    need(AXE.is_file(), "axe-core is not installed (make web)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="crm-console-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium  # type: ignore[assignment]
    for arg in (*CHROMIUM_ARGS, f"--user-data-dir={profile}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    driver.set_script_timeout(60)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
