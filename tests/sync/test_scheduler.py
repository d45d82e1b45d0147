"""The periodic enqueuer (real Redis and Mongo)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from crm_shared.broker import make_broker
from crm_shared.lease import wall_clock
from crm_shared.mongo import APPS, SYNC_STATE
from crm_sync.scheduler import tick


async def test_only_one_scheduler_enqueues_per_slot(db, aredis, redis_client) -> None:
    apps = [f"gid://partners/App/{n}" for n in (101, 102, 103)]
    await db[APPS].insert_many([{"_id": a, "organization_id": "1", "name": a} for a in apps])
    live_run = {"id": "r1", "lease_expires_at": wall_clock() + timedelta(seconds=60)}
    await db[SYNC_STATE].insert_one({"_id": apps[0], "app_id": apps[0], "state": "RUNNING", "run": live_run})
    broker = make_broker()

    def clock() -> float:
        return 1_000_000.0

    results = await asyncio.gather(*[tick(db, aredis, broker, 900, clock) for _ in range(3)])
    assert sorted(r for r in results if r is not None) == [3]
    assert results.count(None) == 2
    msgs = [json.loads(m) for m in redis_client.hvals("dramatiq:sync.msgs")]
    assert sorted(m["kwargs"]["app_id"] for m in msgs) == apps
    assert {m["actor_name"] for m in msgs} == {"sync_app"}
    states = {d["_id"]: d["state"] async for d in db[SYNC_STATE].find({})}
    assert states == {apps[0]: "RUNNING", apps[1]: "QUEUED", apps[2]: "QUEUED"}

    def next_slot() -> float:
        return 1_000_000.0 + 900

    assert await tick(db, aredis, broker, 900, next_slot) == 3


async def test_scheduler_process_enqueues_every_app_and_stops_on_sigterm(db, redis_client) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    apps = ["gid://partners/App/201", "gid://partners/App/202"]
    await db[APPS].insert_many([{"_id": a, "organization_id": "1", "name": a} for a in apps])
    env = {**os.environ, "MONGODB_DB": db.name, "SYNC_INTERVAL_SECONDS": "2"}
    proc = subprocess.Popen([sys.executable, "-m", "crm_sync", "scheduler"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and redis_client.hlen("dramatiq:sync.msgs") < 4:
            await asyncio.sleep(0.2)
        msgs = [json.loads(m) for m in redis_client.hvals("dramatiq:sync.msgs")]
        assert len(msgs) >= 4  # two ticks
        assert {m["kwargs"]["app_id"] for m in msgs} == set(apps)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        code = proc.wait(timeout=30)
    assert code == 0
