"""triggerSync and reportShopProfiles: state written, message enqueued on Redis, answer at once."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import redis

from crm_shared.lease import wall_clock
from crm_shared.mongo import SYNC_STATE
from crm_shared.store.sync_state import import_in_progress
from tests.gateway.conftest import APP_A1, Seeded, gql_data, gql_error, make_client
from tests.gateway.factories import NOW

TRIGGER = "mutation($app: ID!, $full: Boolean) { triggerSync(appId: $app, full: $full) { state queuedAt } }"
REPORT = "mutation($app: ID!, $p: [ShopProfileInput!]!) { reportShopProfiles(appId: $app, profiles: $p) }"


def queued(client: redis.Redis, queue: str) -> list[dict[str, Any]]:
    """Messages waiting on a dramatiq Redis queue."""
    return [json.loads(raw) for raw in client.hvals(f"dramatiq:{queue}.msgs")]


async def test_trigger_sync_queues_incremental_and_full_syncs(fresh: Seeded, redis_url: str,
                                                              redis_client: redis.Redis) -> None:
    async with make_client(fresh.db, redis_url) as client:
        out = (await gql_data(client, fresh.key_a, TRIGGER, {"app": APP_A1}))["triggerSync"]
        assert out["state"] == "QUEUED" and out["queuedAt"].startswith("2026-03-01")
        await gql_data(client, fresh.key_a, TRIGGER, {"app": APP_A1, "full": True})
    state = await fresh.db[SYNC_STATE].find_one({"_id": APP_A1})
    assert state["state"] == "QUEUED" and state["events_synced"] == 1234  # counters untouched
    messages = sorted(queued(redis_client, "sync"), key=lambda m: m["actor_name"])
    assert [(m["actor_name"], m["kwargs"]["app_id"], m["kwargs"]["reason"]) for m in messages] == [
        ("backfill_app", APP_A1, "manual"), ("sync_app", APP_A1, "manual")]
    assert state["queued_at"] == NOW


async def test_report_shop_profiles_validates_and_enqueues(fresh: Seeded, redis_url: str,
                                                           redis_client: redis.Redis) -> None:
    profiles = [{"shopId": "gid://partners/Shop/1", "email": "owner@alpha.example", "country": "us",
                 "shopifyPlan": "basic", "lastActiveAt": "2026-02-20T08:00:00Z"},
                {"shopId": "gid://partners/Shop/2"}]
    async with make_client(fresh.db, redis_url) as client:
        assert (await gql_data(client, fresh.key_a, REPORT, {"app": APP_A1, "p": profiles}))["reportShopProfiles"] == 2
        for bad in ([{"shopId": "shop-1"}], [{"shopId": "gid://partners/Shop/1", "country": "USA"}],
                    [{"shopId": "gid://partners/Shop/1", "email": "nope"}], []):
            err = await gql_error(client, fresh.key_a, REPORT, {"app": APP_A1, "p": bad})
            assert err["extensions"]["code"] == "BAD_USER_INPUT", bad
    (message,) = queued(redis_client, "sync")
    assert message["actor_name"] == "ingest_shop_profiles"
    assert message["kwargs"]["app_id"] == APP_A1
    assert message["kwargs"]["profiles"][0] == {"shop_id": "gid://partners/Shop/1", "email": "owner@alpha.example",
                                                "country": "US", "shopify_plan": "basic",
                                                "last_active_at": "2026-02-20T08:00:00Z"}


async def test_trigger_sync_during_an_import_keeps_it_running_and_its_rebuild_hold_back(
        fresh: Seeded, redis_url: str, redis_client: redis.Redis) -> None:
    """Regression: triggerSync used to write QUEUED over RUNNING, so the analytics worker stopped holding the
    import's customers back. The import stays RUNNING; the request is enqueued and runs after it."""
    run = {"id": "import-run", "kind": "incremental", "since": None, "started_at": wall_clock(),
           "lease_expires_at": wall_clock() + timedelta(seconds=60)}
    await fresh.db[SYNC_STATE].replace_one({"_id": APP_A1}, {  # the app's first sync: an import
        "_id": APP_A1, "app_id": APP_A1, "state": "RUNNING", "last_synced_at": None, "run": run,
        "events_synced": 10, "transactions_synced": 0})
    assert await import_in_progress(fresh.db, APP_A1)
    async with make_client(fresh.db, redis_url) as client:
        out = (await gql_data(client, fresh.key_a, TRIGGER, {"app": APP_A1}))["triggerSync"]
    assert out["state"] == "RUNNING"
    state = await fresh.db[SYNC_STATE].find_one({"_id": APP_A1})
    assert state["state"] == "RUNNING" and state["run"]["id"] == "import-run"
    assert await import_in_progress(fresh.db, APP_A1)
    (message,) = queued(redis_client, "sync")
    assert (message["actor_name"], message["kwargs"]["app_id"]) == ("sync_app", APP_A1)


async def test_trigger_sync_after_a_worker_died_mid_run_is_queued(fresh: Seeded, redis_url: str,
                                                                   redis_client: redis.Redis) -> None:
    """RUNNING whose lease expired is a dead run: a request makes it QUEUED (no run holds the app)."""
    run = {"id": "dead-run", "kind": "incremental", "since": None, "started_at": wall_clock(),
           "lease_expires_at": wall_clock() - timedelta(seconds=1)}
    await fresh.db[SYNC_STATE].update_one({"_id": APP_A1}, {"$set": {"state": "RUNNING", "run": run}})
    async with make_client(fresh.db, redis_url) as client:
        out = (await gql_data(client, fresh.key_a, TRIGGER, {"app": APP_A1}))["triggerSync"]
    assert out["state"] == "QUEUED"
