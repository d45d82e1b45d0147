"""Full and incremental syncs against the simulator over HTTP (real Mongo and Redis)."""

from __future__ import annotations

from crm_shared.mongo import PARTNER_TRANSACTIONS
from crm_sync.sync import sync_app
from tests.sync.harness import expected_events, expected_transactions, fast_settings, register, stored, sync_state
from tests.sync.scenario_builder import build_scenario
from tests.sync.sim import running_simulator

APP = "gid://partners/App/101"


async def test_full_backfill_equals_the_scenario_exactly(db, aredis) -> None:
    scenario = build_scenario(seed=3, shops=60)
    touched: list[str] = []
    progress: list[float] = []

    async def notify(app_id: str, shop_ids: list[str]) -> None:
        assert app_id == APP
        touched.extend(shop_ids)
        progress.append((await sync_state(db, APP))["progress"])

    with running_simulator(scenario) as sim:
        await register(db, scenario, sim.url)
        outcome = await sync_app(db, aredis, APP, full=True, since="2023-01-01T00:00:00Z", notify=notify,
                                 settings=fast_settings())
    events, txns = await stored(db, APP)
    assert events == expected_events(scenario, APP)
    assert txns == expected_transactions(scenario, APP)
    st = await sync_state(db, APP)
    assert st["state"] == "IDLE" and st["last_error"] is None and st["progress"] == 1.0
    assert st["events_synced"] == len(events) and st["transactions_synced"] == len(txns)
    assert st["malformed_count"] == 0
    assert st["streams"]["events"]["watermark"] is not None and st["streams"]["events"]["mode"] is None
    assert outcome.reports["events"].pages > 5  # windows and pages, not one big read
    assert set(touched) == {e["shop"]["id"] for e in scenario["events"]}
    # progress (share of the window range covered) only grows, from partial to complete
    assert progress == sorted(progress)
    assert any(0 < p < 0.5 for p in progress) and any(0.5 < p < 1 for p in progress)


async def test_first_incremental_sync_reads_all_history(db, aredis) -> None:
    scenario = build_scenario(seed=4, shops=30)
    progress: list[float | None] = []

    async def notify(app_id: str, shop_ids: list[str]) -> None:
        progress.append((await sync_state(db, APP))["progress"])

    with running_simulator(scenario) as sim:
        await register(db, scenario, sim.url)
        await sync_app(db, aredis, APP, notify=notify, settings=fast_settings())
    events, txns = await stored(db, APP)
    assert events == expected_events(scenario, APP)
    assert txns == expected_transactions(scenario, APP)
    # The first sync (no watermark) reports progress too, measured against the backfill floor.
    assert (await sync_state(db, APP))["progress"] == 1.0
    assert all(p is not None for p in progress) and progress == sorted(progress)
    assert any(0 < p < 1 for p in progress)


async def test_late_events_and_restatements_are_picked_up_by_the_next_incremental_run(db, aredis) -> None:
    scenario = build_scenario(seed=5, shops=30)
    with running_simulator(scenario) as sim:
        await register(db, scenario, sim.url)
        await sync_app(db, aredis, APP, settings=fast_settings())
        st = await sync_state(db, APP)
        watermark = st["streams"]["events"]["watermark"]
        newest_tx = max(scenario["transactions"], key=lambda t: t["createdAt"])
        late = {"type": "RELATIONSHIP_INSTALLED", "occurredAt": (watermark.replace(microsecond=0)
                .strftime("%Y-%m-%dT%H:%M:%SZ")), "app": {"id": APP},
                "shop": {"id": "gid://partners/Shop/999", "name": "Late", "myshopifyDomain": "late.myshopify.com",
                         "avatarUrl": None}}
        late_older = {**late, "occurredAt": "2026-02-27T00:00:00Z", "shop": {**late["shop"], "id": "gid://partners/Shop/998"}}
        restated = {"id": newest_tx["id"],
                    "grossAmount": {"amount": "1.00", "currencyCode": newest_tx["grossAmount"]["currencyCode"]},
                    "netAmount": {"amount": "0.85", "currencyCode": newest_tx["netAmount"]["currencyCode"]}}
        sim.admin("faults", {"late_events": [late, late_older], "restate": [restated]})
        before = len(sim.requests())
        await sync_app(db, aredis, APP, settings=fast_settings())
        incremental_requests = len(sim.requests()) - before
    events, txns = await stored(db, APP)
    shops = {n["shop"]["id"] for n in events.values()}
    assert {"gid://partners/Shop/999", "gid://partners/Shop/998"} <= shops
    doc = await db[PARTNER_TRANSACTIONS].find_one({"_id": newest_tx["id"]})
    assert doc["node"]["grossAmount"]["amount"] == "1.00"
    assert doc["gross_amount"].to_decimal() == 1
    assert [h["node"]["grossAmount"]["amount"] for h in doc["restatements"]] == [newest_tx["grossAmount"]["amount"]]
    # The incremental run re-read only the overlap, not the whole history.
    assert incremental_requests < 6
