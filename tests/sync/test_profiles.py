"""Reported shop profiles (pure validation, real Mongo for the merge rules)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from crm_shared.mongo import SHOP_PROFILES
from crm_sync.profiles import ingest_shop_profiles, profile_update

APP = "gid://partners/App/101"
SHOP = "gid://partners/Shop/1"
T = datetime(2026, 3, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "profile",
    [
        {"shop_id": "gid://partners/Shop/x"},
        {"shop_id": SHOP, "email": "nobody"},
        {"shop_id": SHOP, "country": "U1"},
        {"shop_id": SHOP, "last_active_at": "last tuesday"},
    ],
)
def test_invalid_profiles_are_rejected(profile) -> None:
    with pytest.raises(ValueError):
        profile_update(APP, profile, T)


async def test_partial_reports_merge_and_activity_never_goes_back(db) -> None:
    await ingest_shop_profiles(db, APP, [{"shop_id": SHOP, "email": "a@b.co", "country": "de",
                                          "last_active_at": "2026-02-20T00:00:00Z"}], T)
    result = await ingest_shop_profiles(db, APP, [
        {"shop_id": SHOP, "shopify_plan": "plus", "last_active_at": "2026-02-10T00:00:00Z"},
        {"shop_id": "gid://partners/Shop/2", "email": "bad"},
    ], T)
    assert result.stored == [SHOP] and result.rejected == 1
    doc = await db[SHOP_PROFILES].find_one({"_id": f"{APP}|{SHOP}"})
    assert (doc["email"], doc["country"], doc["shopify_plan"]) == ("a@b.co", "DE", "plus")
    assert doc["last_active_at"] == datetime(2026, 2, 20, tzinfo=timezone.utc)
    assert await db[SHOP_PROFILES].count_documents({}) == 1
