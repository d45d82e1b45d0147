"""GraphiQL in a real headless Chromium against `python -m crm_gateway serve` (assets served locally, no CDN)."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from crm_devstack.processes import ProcessGroup, free_port, start_gateway
from tests.gateway.conftest import Seeded

pytestmark = pytest.mark.e2e

SCREENSHOT = Path(tempfile.gettempdir()) / "crm-graphiql.png"


def _need(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        message = f"{binary} not installed (apt-get install chromium chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def served_gateway(seeded: Seeded, mongo_uri: str, redis_url: str, tmp_path: Path) -> Iterator[str]:
    """The gateway started exactly as the launcher does, on a free port, over the seeded database."""
    port = free_port()
    env = {"MONGODB_URI": mongo_uri, "MONGODB_DB": seeded.db.name, "REDIS_URL": redis_url,
           "CRM_NOW": "2026-03-01T00:00:00Z", "CRM_ENV": "development"}
    group = ProcessGroup(tmp_path / "logs")
    try:
        start_gateway(group, port, env)
        yield f"http://127.0.0.1:{port}"
    finally:
        survivors = group.stop()
        assert not survivors, f"processes of the gateway survived its stop: {survivors}"


def test_graphiql_runs_a_customers_query(served_gateway: str, seeded: Seeded) -> None:
    chromium = _need("chromium")
    driver_path = _need("chromedriver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    assert httpx.get(f"{served_gateway}/healthz", timeout=10).status_code == 200
    profile = tempfile.mkdtemp(prefix="crm-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                f"--user-data-dir={profile}", "--window-size=1400,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.get(f"{served_gateway}/graphql#key={seeded.key_a}")
        wait = WebDriverWait(driver, 60)
        button = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, ".graphiql-execute-button")))
        button.click()
        newest = sorted((d for d in seeded.customers["gid://partners/App/101"] if not d["is_test"]),
                        key=lambda d: (d["installed_at"], d["_id"]), reverse=True)[0]
        deadline = time.monotonic() + 60
        text = ""
        while time.monotonic() < deadline:
            text = driver.execute_script(
                "var r = document.querySelector('.result-window'); return r ? r.innerText : '';") or ""
            if newest["name"] in text:
                break
            time.sleep(0.5)
        driver.save_screenshot(str(SCREENSHOT))
        assert newest["name"] in text, f"GraphiQL result did not show {newest['name']!r}: {text[:500]!r}"
        assert '"totalCount"' in text and "errors" not in text
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
