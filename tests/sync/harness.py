"""Shared helpers of the integration tests: registration, expectations, snapshots."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.ids import event_key
from crm_shared.mongo import PARTNER_EVENTS, PARTNER_TRANSACTIONS, SYNC_STATE
from crm_shared.settings import Settings
from crm_shared.store.registry import register_organization
from crm_sync.parse import EVENT_TYPENAMES


def fast_settings(**overrides: Any) -> Settings:
    """An unthrottled rate (the simulator's throttle is off), small pages (many checkpoints), short backoffs."""
    values = {"PARTNER_API_RATE": 200.0, "SYNC_PAGE_SIZE": 10, "SYNC_MAX_BACKOFF": 1.0,
              "SYNC_BACKFILL_WINDOW_DAYS": 120, "SYNC_MAX_ATTEMPTS": 30, **overrides}
    return Settings(**values)


async def register(db: AsyncDatabase, scenario: dict[str, Any], url: str, token: str | None = None) -> None:
    """Register the scenario's organization and apps, pointing at the simulator."""
    org = scenario["organization"]
    await register_organization(db, org["id"], org["name"], token or org["accessToken"], scenario["apps"],
                                partner_api_url=url)


def expected_events(scenario: dict[str, Any], app_id: str) -> dict[str, dict[str, Any]]:
    """Natural key -> node, for every event of the app the simulator serves."""
    out = {}
    for ev in scenario["events"]:
        if ev["app"]["id"] != app_id:
            continue
        node = {"__typename": EVENT_TYPENAMES[ev["type"]], **ev}
        charge = (node.get("charge") or node.get("appCredit") or {}).get("id")
        out[event_key(app_id, ev["type"], ev["occurredAt"], ev["shop"]["id"], charge)] = node
    return out


def expected_transactions(scenario: dict[str, Any], app_id: str) -> dict[str, dict[str, Any]]:
    """Transaction id -> latest node of the app."""
    return {tx["id"]: tx for tx in scenario["transactions"] if tx["app"]["id"] == app_id}


async def stored(db: AsyncDatabase, app_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(event key -> node, transaction id -> node) as stored."""
    events = {d["_id"]: d["node"] async for d in db[PARTNER_EVENTS].find({"app_id": app_id})}
    txns = {d["_id"]: d["node"] async for d in db[PARTNER_TRANSACTIONS].find({"app_id": app_id})}
    return events, txns


async def snapshot(db: AsyncDatabase) -> dict[str, list[dict[str, Any]]]:
    """Every raw document without the wall-clock fields (first_seen_at, replaced_at)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name in (PARTNER_EVENTS, PARTNER_TRANSACTIONS):
        docs = []
        async for d in db[name].find({}).sort("_id", 1):
            d.pop("first_seen_at", None)
            for h in d.get("restatements", []):
                h.pop("replaced_at", None)
            docs.append(d)
        out[name] = docs
    return out


async def sync_state(db: AsyncDatabase, app_id: str) -> dict[str, Any]:
    return await db[SYNC_STATE].find_one({"_id": app_id}) or {}
