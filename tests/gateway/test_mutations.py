"""triggerSync and reportShopProfiles: state written, message enqueued on Redis, answer at once."""

from __future__ import annotations

import json
from typing import Any

import redis

from crm_shared.mongo import SYNC_STATE
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
