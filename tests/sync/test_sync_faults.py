"""Transient faults are survived with nothing lost; permanent ones surface in sync_state."""

from __future__ import annotations

import asyncio

import pytest

from crm_shared.errors import PermanentError
from crm_shared.lease import LeaseBusyError
from crm_shared.mongo import APPS
from crm_shared.settings import Settings
from crm_sync.sync import sync_app
from tests.sync.harness import expected_events, expected_transactions, fast_settings, register, stored, sync_state
from tests.sync.scenario_builder import build_scenario
from tests.sync.sim import running_simulator

APP = "gid://partners/App/101"


@pytest.mark.parametrize(
    "faults",
    [
        {"storm_429_requests": 12},
        {"storm_429_requests": 8, "throttle_in_200_rate": 1.0},
        {"error_rate": 0.25, "seed": 1},
        {"drop_rate": 0.2, "seed": 2},
        {"slow_ms": 40, "slow_rate": 0.5, "error_rate": 0.1, "drop_rate": 0.1, "seed": 3},
    ],
    ids=["http-429-storm", "429-inside-200", "5xx", "dropped-connections", "mixed"],
)
async def test_transient_faults_are_survived_with_nothing_lost(db, aredis, faults) -> None:
    scenario = build_scenario(seed=11, shops=30)
    with running_simulator(scenario) as sim:
        await register(db, scenario, sim.url)
        sim.admin("faults", faults)
        await sync_app(db, aredis, APP, settings=fast_settings(SYNC_MAX_BACKOFF=0.3))
        log = sim.requests()
    events, txns = await stored(db, APP)
    assert events == expected_events(scenario, APP)
    assert txns == expected_transactions(scenario, APP)
    assert (await sync_state(db, APP))["state"] == "IDLE"
    assert any(entry["status"] != 200 or entry.get("throttled") or entry.get("dropped") for entry in log)


async def test_simulator_throttle_is_respected_with_the_default_rate(db, aredis) -> None:
    scenario = build_scenario(seed=12, shops=10)
    with running_simulator(scenario, throttle=True) as sim:
        await register(db, scenario, sim.url)
        await sync_app(db, aredis, APP, settings=fast_settings(SYNC_PAGE_SIZE=20, PARTNER_API_RATE=4.0))
        log = sim.requests()
    assert not any(entry["throttled"] for entry in log)
    assert (await stored(db, APP))[0] == expected_events(scenario, APP)


async def _expect_permanent(db, aredis, app_id: str, needle: str, settings: Settings | None = None) -> None:
    with pytest.raises(PermanentError, match=needle):
        await sync_app(db, aredis, app_id, settings=settings or fast_settings())
    st = await sync_state(db, app_id)
    assert st["state"] == "FAILED"
    assert st["last_error_permanent"] is True
    assert needle.lower() in st["last_error"].lower()


async def test_bad_token_is_a_permanent_error_in_sync_state(db, aredis) -> None:
    scenario = build_scenario(seed=13, shops=5)
    with running_simulator(scenario) as sim:
        await register(db, scenario, sim.url, token="prtapi_wrong")
        await _expect_permanent(db, aredis, APP, "401")
        assert len(sim.requests()) <= 2  # one per stream, never retried


async def test_unknown_app_is_a_permanent_error_in_sync_state(db, aredis) -> None:
    scenario = build_scenario(seed=14, shops=5)
    with running_simulator(scenario) as sim:
        await register(db, scenario, sim.url)
        ghost = "gid://partners/App/999"
        await db[APPS].insert_one({"_id": ghost, "organization_id": scenario["organization"]["id"], "name": "x"})
        await _expect_permanent(db, aredis, ghost, "unknown app")


async def test_unknown_api_version_is_a_permanent_error_in_sync_state(db, aredis) -> None:
    scenario = build_scenario(seed=15, shops=5)
    with running_simulator(scenario) as sim:
        await register(db, scenario, sim.url)
        await _expect_permanent(db, aredis, APP, "version", fast_settings(PARTNER_API_VERSION="2019-04"))


async def test_app_not_registered_here_is_a_permanent_error(db, aredis) -> None:
    await _expect_permanent(db, aredis, "gid://partners/App/4242", "not registered")


async def test_two_workers_on_one_app_never_double_fetch(db, aredis, redis_url) -> None:
    from redis.asyncio import Redis

    scenario = build_scenario(seed=16, shops=30)
    with running_simulator(scenario) as sim:
        await register(db, scenario, sim.url)
        other = Redis.from_url(redis_url)
        try:
            results = await asyncio.gather(
                sync_app(db, aredis, APP, settings=fast_settings()),
                sync_app(db, other, APP, settings=fast_settings()),
                return_exceptions=True,
            )
        finally:
            await other.aclose()
        both = len(sim.requests())
        sim.admin("reset", {})
        await db.drop_collection("partner_events")
        await db.drop_collection("partner_transactions")
        await db.drop_collection("sync_state")
        await sync_app(db, aredis, APP, settings=fast_settings())
        alone = len(sim.requests())
    assert sum(isinstance(r, LeaseBusyError) for r in results) == 1
    assert both == alone  # the refused worker sent nothing
