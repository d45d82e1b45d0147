"""The generator is deterministic and writes the scenario format."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from partner_sim.generator import generate
from partner_sim.scenario import load_scenario

NOW = datetime(2026, 7, 15, tzinfo=timezone.utc)


def test_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    outs = []
    for run in ("a", "b"):
        out, truth = tmp_path / f"{run}.json", tmp_path / f"{run}-truth.json"
        subprocess.run([sys.executable, "-m", "partner_sim", "generate", "--out", str(out), "--truth-out", str(truth),
                        "--seed", "7", "--apps", "2", "--shops", "120", "--years", "2",
                        "--now", "2026-07-15T00:00:00Z"], check=True, capture_output=True)
        outs.append((out.read_bytes(), truth.read_bytes()))
    assert outs[0] == outs[1]
    assert len(outs[0][0]) > 10_000


def test_different_seeds_give_different_organizations() -> None:
    a = generate(seed=1, apps=1, shops=50, years=1, now=NOW)
    b = generate(seed=2, apps=1, shops=50, years=1, now=NOW)
    assert a.scenario["events"] != b.scenario["events"]
    assert a.scenario["organization"]["id"] != b.scenario["organization"]["id"]


def test_generated_file_loads_as_a_scenario(tmp_path: Path) -> None:
    org = generate(seed=3, apps=2, shops=80, years=2, now=NOW)
    path = tmp_path / "s.json"
    path.write_text(json.dumps(org.scenario))
    scenario = load_scenario(path)
    assert scenario.now == NOW
    assert [a["id"] for a in scenario.apps] == ["gid://partners/App/101", "gid://partners/App/102"]
    assert scenario.organization["accessToken"] == "prtapi_sim_3"
    assert len(scenario.events) == len(org.scenario["events"]) > 0
    assert scenario.shop_profiles and {"appId", "shopId", "email", "country", "shopifyPlan", "lastActiveAt"} <= set(
        scenario.shop_profiles[0])
