"""A full backfill of an organization from the simulator's own generator equals its data exactly."""

from __future__ import annotations

from datetime import datetime, timezone

from crm_sync.sync import backfill_app
from partner_sim.generator import generate
from tests.sync.harness import expected_events, expected_transactions, fast_settings, register, stored, sync_state
from tests.sync.sim import running_simulator

NOW = datetime(2026, 7, 15, tzinfo=timezone.utc)


async def test_backfill_of_a_generated_organization_equals_the_generator_data(db, aredis) -> None:
    scenario = generate(seed=5, apps=2, shops=40, years=2, now=NOW).scenario
    with running_simulator(scenario) as sim:
        await register(db, scenario, sim.url)
        for app in scenario["apps"]:
            await backfill_app(db, aredis, app["id"], settings=fast_settings(SYNC_PAGE_SIZE=100))
    for app in scenario["apps"]:
        events, txns = await stored(db, app["id"])
        want_events, want_txns = expected_events(scenario, app["id"]), expected_transactions(scenario, app["id"])
        assert len(events) == len(want_events) and len(txns) == len(want_txns)
        assert events == want_events
        assert txns == want_txns
        st = await sync_state(db, app["id"])
        assert (st["state"], st["malformed_count"], st["events_synced"]) == ("IDLE", 0, len(want_events))
