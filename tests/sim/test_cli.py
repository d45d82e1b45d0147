"""``python -m partner_sim serve|generate`` as the launcher runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from crm_devstack.processes import free_port, wait_for_port
from tests.sim.conftest import small_scenario_dict


@contextmanager
def serving(args: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    proc = subprocess.Popen([sys.executable, "-m", "partner_sim", "serve", *args], env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        wait_for_port(port, timeout=120, proc=proc)  # type: ignore[arg-type]
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


@pytest.mark.services
def test_serve_reads_port_and_scenario_from_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(small_scenario_dict()))
    port = free_port()
    env = {"PARTNER_SIM_PORT": str(port), "PARTNER_SIM_SCENARIO": str(path), "PARTNER_SIM_THROTTLE": "0"}
    with serving([], env, port) as url:
        assert httpx.get(f"{url}/_admin/healthz", timeout=30).json()["organization"] == "1234567"
        statuses = [httpx.post(f"{url}/1234567/api/2026-04/graphql.json", json={"query": "{ publicApiVersions "
                                                                                  "{ handle } }"},
                               headers={"X-Shopify-Access-Token": "prtapi_test"}, timeout=30).status_code
                    for _ in range(8)]
        assert statuses == [200] * 8  # PARTNER_SIM_THROTTLE=0


@pytest.mark.services
def test_serve_with_generator_flags_serves_that_organization(tmp_path: Path) -> None:
    port = free_port()
    args = ["--port", str(port), "--seed", "4", "--apps", "1", "--shops", "40", "--years", "1",
            "--now", "2026-07-15T00:00:00Z"]
    with serving(args, {"PARTNER_SIM_SCENARIO": ""}, port) as url:
        health = httpx.get(f"{url}/_admin/healthz", timeout=30).json()
        assert health["organization"] == "1000004" and health["apps"] == 1 and health["events"] > 40


def test_generate_writes_scenario_and_truth_that_agree(tmp_path: Path) -> None:
    out, truth = tmp_path / "s.json", tmp_path / "t.json"
    subprocess.run([sys.executable, "-m", "partner_sim", "generate", "--out", str(out), "--truth-out", str(truth),
                    "--seed", "5", "--apps", "3", "--shops", "60", "--years", "1.5", "--now", "2026-07-15T00:00:00Z",
                    "--currencies", "USD=0.5,EUR=0.5"], check=True, capture_output=True)
    scenario = json.loads(out.read_text())
    rows = json.loads(truth.read_text())
    assert scenario["now"] == "2026-07-15T00:00:00Z"
    assert len(scenario["apps"]) == 3 and scenario["apps"][2]["onAppPricing"] is True
    pairs = {(e["app"]["id"], e["shop"]["id"]) for e in scenario["events"]}
    assert {(r["app_id"], r["shop_id"]) for r in rows} == pairs
    assert {r["currency"] for r in rows if r["plan"] != "Free"} <= {"USD", "EUR"}
