"""A worker SIGKILLed at a random page resumes from its last checkpoint to the same database."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from crm_shared.store.sync_leases import lease_key
from crm_sync.sync import sync_app
from tests.sync.harness import fast_settings, register, snapshot, sync_state
from tests.sync.scenario_builder import build_scenario
from tests.sync.sim import running_simulator

APP = "gid://partners/App/101"
SINCE = "2023-06-01T00:00:00Z"


def _start_cli(db_name: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MONGODB_DB": db_name, "PARTNER_API_RATE": "25", "SYNC_PAGE_SIZE": "10",
           "SYNC_LEASE_SECONDS": "2", "SYNC_BACKFILL_WINDOW_DAYS": "120"}
    return subprocess.Popen([sys.executable, "-m", "crm_sync", "sync", "--app", APP, "--since", SINCE],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


async def _kill_at_page(db, proc: subprocess.Popen[bytes], page: int) -> int:
    """SIGKILL `proc` once it has checkpointed `page` pages in total; the pages it got to."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        st = await sync_state(db, APP)
        streams = st.get("streams", {})
        pages = sum(int(s.get("pages") or 0) for s in streams.values())
        if proc.poll() is not None:
            raise AssertionError(f"the sync ended before page {page}: {proc.stderr.read().decode()[-1500:]}")
        if pages >= page:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return pages
        await asyncio.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    raise AssertionError("the sync never reached the page")


@pytest.mark.parametrize("seed", [1, 2])
async def test_sigkill_at_random_pages_then_resume_gives_the_same_database(db, aredis, seed) -> None:
    scenario = build_scenario(seed=20 + seed, shops=50)
    rng = random.Random(seed)
    reference = db.client[db.name + "_ref"]
    try:
        with running_simulator(scenario) as sim:
            await register(reference, scenario, sim.url)
            await sync_app(reference, aredis, APP, full=True, since=SINCE, settings=fast_settings())
            uninterrupted_requests = len(sim.requests())
            expected = await snapshot(reference)
            ref_state = await sync_state(reference, APP)
            total_pages = sum(int(s["pages"]) for s in ref_state["streams"].values())
            sim.admin("reset", {})

            await register(db, scenario, sim.url)
            kills = sorted(rng.sample(range(2, total_pages - 3), 2))
            reached = []
            for page in kills:
                proc = _start_cli(db.name)
                reached.append(await _kill_at_page(db, proc, page))
                while await aredis.get(lease_key(APP)) is not None:  # the dead worker's lease expires
                    await asyncio.sleep(0.1)
            st = await sync_state(db, APP)
            assert st["state"] == "RUNNING"  # killed mid-run: nobody marked it
            # A run was left mid-way (its mode is cleared only on completion); its cursor may be None when the
            # kill landed right at a window boundary.
            assert any(s.get("mode") for s in st["streams"].values())
            before_resume = len(sim.requests())
            await sync_app(db, aredis, APP, full=True, since=SINCE, settings=fast_settings())
            resumed_requests = len(sim.requests()) - before_resume
        assert await snapshot(db) == expected
        final = await sync_state(db, APP)
        assert final["state"] == "IDLE"
        assert final["events_synced"] == len(expected["partner_events"])
        assert final["transactions_synced"] == len(expected["partner_transactions"])
        assert resumed_requests < uninterrupted_requests  # it resumed, it did not start over
    finally:
        await db.client.drop_database(db.name + "_ref")
