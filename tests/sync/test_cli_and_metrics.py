"""The foreground CLI's exit codes and the Prometheus metrics."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
from prometheus_client import REGISTRY

from crm_devstack.processes import free_port
from crm_sync import metrics
from crm_sync.sync import sync_app
from tests.sync.harness import fast_settings, register, sync_state
from tests.sync.scenario_builder import build_scenario
from tests.sync.sim import running_simulator

APP = "gid://partners/App/101"


async def test_cli_exits_non_zero_on_a_permanent_error(db) -> None:
    scenario = build_scenario(seed=51, shops=5)
    with running_simulator(scenario) as sim:
        await register(db, scenario, sim.url, token="prtapi_bad")
        proc = subprocess.run([sys.executable, "-m", "crm_sync", "sync", "--app", APP],
                              env={**os.environ, "MONGODB_DB": db.name}, capture_output=True, timeout=120)
    assert proc.returncode == 1
    assert b"401" in proc.stderr
    assert (await sync_state(db, APP))["last_error_permanent"] is True


def _value(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


async def test_metrics_count_requests_and_stored_documents_and_report_lag(db, aredis) -> None:
    scenario = build_scenario(seed=52, shops=10)
    ok_before = _value("crm_sync_partner_requests_total", {"outcome": "ok"})
    stored_before = _value("crm_sync_events_stored_total", {"app_id": APP})
    with running_simulator(scenario) as sim:
        await register(db, scenario, sim.url)
        sim.admin("faults", {"storm_429_requests": 1})
        throttles_before = _value("crm_sync_partner_throttles_total")
        await sync_app(db, aredis, APP, settings=fast_settings(SYNC_MAX_BACKOFF=0.2))
    assert _value("crm_sync_partner_requests_total", {"outcome": "ok"}) > ok_before
    assert _value("crm_sync_events_stored_total", {"app_id": APP}) - stored_before == len(scenario["events"])
    assert _value("crm_sync_partner_throttles_total") == throttles_before + 1
    assert _value("crm_sync_lag_seconds", {"app_id": APP, "stream": "events"}) > 0
    port = free_port()
    assert metrics.serve(port)
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    assert "crm_sync_partner_requests_total" in text and "crm_sync_lag_seconds" in text
