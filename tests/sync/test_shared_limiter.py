"""The shared limiter keeps two worker processes of one organization under 4 requests/s."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.sync.harness import register, sync_state
from tests.sync.scenario_builder import build_scenario
from tests.sync.sim import running_simulator


def max_in_any_window(times: list[float], seconds: float = 1.0) -> int:
    """Largest number of requests in any half-open window of `seconds`."""
    times = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] >= seconds:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def test_window_counter_counts_sliding_windows() -> None:
    assert max_in_any_window([0.0, 0.25, 0.5, 0.75, 1.0]) == 4
    assert max_in_any_window([0.0, 0.1, 0.2, 0.3, 0.9]) == 5
    assert max_in_any_window([0.0, 0.1, 0.2, 0.3, 0.9, 1.5], seconds=2.0) == 6


async def test_two_worker_processes_never_exceed_four_requests_per_second(db, aredis) -> None:
    scenario = build_scenario(seed=31, shops=25, apps=2)
    env = {**os.environ, "MONGODB_DB": db.name, "SYNC_PAGE_SIZE": "10"}
    env.pop("PARTNER_API_RATE", None)  # the default: 4 requests/s per Partner API client
    with running_simulator(scenario, throttle=True) as sim:
        await register(db, scenario, sim.url)
        procs = [subprocess.Popen([sys.executable, "-m", "crm_sync", "sync", "--app", app["id"]], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for app in scenario["apps"]]
        codes = [p.wait(timeout=240) for p in procs]
        log = sim.requests()
    assert codes == [0, 0], [p.stderr.read().decode()[-2000:] for p in procs if p.stderr]
    times = [entry["t"] for entry in log]
    assert len(times) > 20  # long enough to measure
    assert max_in_any_window(times, 1.0) <= 4
    assert not any(entry["throttled"] for entry in log)
    for app in scenario["apps"]:
        assert (await sync_state(db, app["id"]))["state"] == "IDLE"
