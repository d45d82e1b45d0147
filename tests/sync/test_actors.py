"""The dramatiq worker (`python -m crm_sync worker`) consuming real messages from Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_devstack.processes import ProcessGroup
from crm_shared.broker import make_broker
from crm_shared.messages import CUSTOMERS_CHANGED, BackfillApp, IngestShopProfiles, ShopProfile, SyncApp, send
from crm_shared.mongo import SHOP_PROFILES
from crm_shared.store.sync_leases import lease_key
from tests.sync.harness import expected_events, register, stored, sync_state
from tests.sync.scenario_builder import build_scenario
from tests.sync.sim import running_simulator
from tests.waiting import eventually

APP = "gid://partners/App/101"


@pytest.fixture
def worker(db, redis_client, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {"MONGODB_DB": db.name, "PARTNER_API_RATE": "50", "SYNC_PAGE_SIZE": "20", "SYNC_WORKER_THREADS": "2",
           "CRM_ENV": "production"}  # JSON logs
    group = ProcessGroup(tmp_path / "logs")
    proc = group.start("sync-worker", [sys.executable, "-m", "crm_sync", "worker"], env)
    try:
        yield proc
    finally:
        assert group.stop() == [], "a process of the sync worker survived its stop"


async def _wait_for(predicate, timeout: float = 120.0) -> None:
    await eventually(predicate.__name__, predicate, timeout)


def _analytics_messages(redis_client) -> list[dict]:
    raw = redis_client.hvals("dramatiq:analytics.msgs")
    return [json.loads(m) for m in raw]


def log_events(tmp_path: Path) -> list[dict]:
    """The JSON events the worker logged so far."""
    lines = (tmp_path / "logs" / "sync-worker.log").read_text().splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


async def test_sync_message_is_consumed_and_announces_changed_customers(db, redis_client, worker, tmp_path) -> None:
    scenario = build_scenario(seed=41, shops=20)
    broker = make_broker()
    with running_simulator(scenario) as sim:
        await register(db, scenario, sim.url)
        send(broker, SyncApp(app_id=APP, reason="test"))

        async def done() -> bool:
            return (await sync_state(db, APP)).get("state") == "IDLE"

        await _wait_for(done)
    assert (await stored(db, APP))[0] == expected_events(scenario, APP)
    changed = [m for m in _analytics_messages(redis_client) if m["actor_name"] == CUSTOMERS_CHANGED]
    assert changed and all(m["kwargs"]["app_id"] == APP for m in changed)
    touched = {s for m in changed for s in m["kwargs"]["shop_ids"]}
    assert touched == {e["shop"]["id"] for e in scenario["events"]}
    # Structured logs: the run's start, progress and end, each with the app, organization, run and message.
    events = {e["event"]: e for e in log_events(tmp_path) if e["event"].startswith("sync.")}
    assert {"sync.started", "sync.progress", "sync.finished"} <= set(events), sorted(events)
    finished = events["sync.finished"]
    assert finished["app_id"] == APP and finished["organization_id"] == scenario["organization"]["id"]
    assert finished["message_id"] and finished["actor"] == "sync_app" and finished["run_id"]
    assert finished["service"] == "sync-worker" and finished["events_items"] == len(expected_events(scenario, APP))


async def test_backfill_message_runs_a_windowed_backfill(db, redis_client, worker) -> None:
    scenario = build_scenario(seed=42, shops=15)
    broker = make_broker()
    with running_simulator(scenario) as sim:
        await register(db, scenario, sim.url)
        send(broker, BackfillApp(app_id=APP, since="2024-01-01T00:00:00Z"))

        async def done() -> bool:
            st = await sync_state(db, APP)
            return st.get("state") == "IDLE" and st.get("streams", {}).get("events", {}).get("completed_at") is not None

        await _wait_for(done)
    assert (await stored(db, APP))[0] == {k: v for k, v in expected_events(scenario, APP).items()
                                          if v["occurredAt"] >= "2024-01-01T00:00:00Z"}


async def test_permanent_error_is_recorded_and_not_retried(db, redis_client, worker) -> None:
    scenario = build_scenario(seed=43, shops=5)
    broker = make_broker()
    with running_simulator(scenario) as sim:
        await register(db, scenario, sim.url, token="prtapi_revoked")
        send(broker, SyncApp(app_id=APP))

        async def failed() -> bool:
            return (await sync_state(db, APP)).get("state") == "FAILED"

        await _wait_for(failed)

        async def settled() -> bool:  # the message was acknowledged and no retry of it is waiting
            return not redis_client.hlen("dramatiq:sync.msgs") and not redis_client.hlen("dramatiq:sync.DQ.msgs")

        await _wait_for(settled)
        requests = len(sim.requests())
    st = await sync_state(db, APP)
    assert st["last_error_permanent"] is True and "401" in st["last_error"]
    assert requests <= 2


async def test_reported_shop_profiles_are_stored_and_announced(db, redis_client, worker) -> None:
    broker = make_broker()
    profiles = [
        ShopProfile(shop_id="gid://partners/Shop/1", email="owner@alpha.example", country="us",
                    shopify_plan="basic", last_active_at="2026-02-20T08:00:00Z"),
        ShopProfile(shop_id="gid://partners/Shop/2", email="not-an-email"),
        ShopProfile(shop_id="gid://partners/Shop/3", last_active_at="2026-02-21T08:00:00Z"),
    ]
    send(broker, IngestShopProfiles(app_id=APP, profiles=profiles))

    async def stored_profiles() -> bool:
        return await db[SHOP_PROFILES].count_documents({}) == 2

    await _wait_for(stored_profiles)
    alpha = await db[SHOP_PROFILES].find_one({"_id": f"{APP}|gid://partners/Shop/1"})
    assert alpha["email"] == "owner@alpha.example" and alpha["country"] == "US"
    assert alpha["shopify_plan"] == "basic" and alpha["last_active_at"].isoformat().startswith("2026-02-20T08:00")

    async def announced() -> bool:
        return any(m["actor_name"] == CUSTOMERS_CHANGED for m in _analytics_messages(redis_client))

    await _wait_for(announced)
    msg = next(m for m in _analytics_messages(redis_client) if m["actor_name"] == CUSTOMERS_CHANGED)
    assert msg["kwargs"] == {"app_id": APP, "shop_ids": ["gid://partners/Shop/1", "gid://partners/Shop/3"]}


async def test_a_request_meeting_a_killed_workers_lease_runs_when_the_lease_expires(db, redis_client, worker,
                                                                                    aredis) -> None:
    """Regression: a sync_app that found the app's lease taken was dropped, and the app stayed QUEUED with no
    data until the next schedule slot. Now it waits for the lease and runs when the lease expires."""
    scenario = build_scenario(seed=44, shops=30)
    with running_simulator(scenario) as sim:
        await register(db, scenario, sim.url)
        # A first sync in another process, killed mid-run: its lease (4 s) is left behind in Redis.
        env = {**os.environ, "MONGODB_DB": db.name, "PARTNER_API_RATE": "10", "SYNC_PAGE_SIZE": "5",
               "SYNC_LEASE_SECONDS": "4"}
        doomed = subprocess.Popen([sys.executable, "-m", "crm_sync", "sync", "--app", APP], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            async def some_pages() -> bool:
                streams = (await sync_state(db, APP)).get("streams", {})
                return sum(int(s.get("pages") or 0) for s in streams.values()) >= 3

            await _wait_for(some_pages)
        finally:
            doomed.kill()
            doomed.wait()
        assert await aredis.get(lease_key(APP)) is not None, "the killed worker's lease should still be held"
        send(make_broker(), SyncApp(app_id=APP, reason="after the kill"))

        async def done() -> bool:
            st = await sync_state(db, APP)
            return st.get("state") == "IDLE" and st.get("last_synced_at") is not None

        await _wait_for(done, timeout=120)
    assert (await stored(db, APP))[0] == expected_events(scenario, APP)
