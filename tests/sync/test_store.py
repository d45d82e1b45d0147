"""Idempotent bulk writes into MongoDB (real server)."""

from __future__ import annotations

from datetime import datetime, timezone

from crm_shared.mongo import PARTNER_EVENTS, PARTNER_TRANSACTIONS
from crm_sync.parse import parse_event, parse_transaction
from crm_sync.store import store_events, store_transactions
from tests.sync.nodes import APP, install_event, sale, subscription_event

T1 = datetime(2026, 3, 1, tzinfo=timezone.utc)
T2 = datetime(2026, 3, 2, tzinfo=timezone.utc)


async def test_rewriting_the_same_events_adds_nothing(db) -> None:
    docs = [parse_event(APP, install_event()), parse_event(APP, subscription_event())]
    first = await store_events(db, docs, T1)
    again = await store_events(db, docs, T2)
    assert (first.inserted, again.inserted) == (2, 0)
    assert await db[PARTNER_EVENTS].count_documents({}) == 2
    stored = await db[PARTNER_EVENTS].find_one({"type": "RELATIONSHIP_INSTALLED"})
    assert stored["first_seen_at"] == T1
    assert first.shop_ids == {"gid://partners/Shop/1"}


async def test_same_second_distinct_events_are_all_kept(db) -> None:
    docs = [
        parse_event(APP, subscription_event("SUBSCRIPTION_CHARGE_CANCELED", "SubscriptionChargeCanceled",
                                            charge_n=11)),
        parse_event(APP, subscription_event(charge_n=12)),
        parse_event(APP, install_event(at="2026-01-05T10:02:00Z", shop_n=2)),
    ]
    await store_events(db, docs, T1)
    assert await db[PARTNER_EVENTS].count_documents({"occurred_at": docs[0]["occurred_at"]}) == 3


async def test_restated_transaction_replaces_and_keeps_history(db) -> None:
    original = parse_transaction(APP, sale(gross="29.00", net="24.65"))
    restated = parse_transaction(APP, sale(gross="19.00", net="16.15"))
    await store_transactions(db, [original], T1)
    unchanged = await store_transactions(db, [original], T2)
    assert unchanged.restated == 0
    res = await store_transactions(db, [restated], T2)
    assert (res.inserted, res.restated) == (0, 1)
    doc = await db[PARTNER_TRANSACTIONS].find_one({"_id": original["_id"]})
    assert doc["gross_amount"].to_decimal() == restated["gross_amount"].to_decimal()
    assert doc["node"]["grossAmount"]["amount"] == "19.00"
    assert [h["node"]["grossAmount"]["amount"] for h in doc["restatements"]] == ["29.00"]
    assert doc["restatements"][0]["replaced_at"] == T2
    assert doc["first_seen_at"] == T1
    again = await store_transactions(db, [restated], T2)
    assert again.restated == 0
    doc = await db[PARTNER_TRANSACTIONS].find_one({"_id": original["_id"]})
    assert len(doc["restatements"]) == 1


async def test_stored_pages_mark_their_shops_in_the_rebuild_outbox(db) -> None:
    from crm_shared.store import rebuild_outbox

    await store_events(db, [parse_event(APP, install_event(shop_n=3))], T1)
    await store_transactions(db, [parse_transaction(APP, sale())], T1)
    assert sorted(await rebuild_outbox.marked_shops(db, APP)) == ["gid://partners/Shop/1", "gid://partners/Shop/3"]
