"""`ingest_shop_profiles`: facts the partner's own app reports about its shops.

Each profile is validated on its own (a bad one is logged and counted, the rest
are stored).  Fields that are absent or null leave the stored value alone, and
`last_active_at` only moves forward (``$max``), so pings arriving out of order
never make a shop look less active.  One bulk write per call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.clock import parse_iso
from crm_shared.logs import get_logger
from crm_shared.messages import ShopProfile
from crm_shared.store import rebuild_outbox, shop_profiles

log = get_logger(__name__)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass
class IngestResult:
    """Stored and rejected profiles of one call."""

    stored: list[str] = field(default_factory=list)
    rejected: int = 0


def profile_update(app_id: str, raw: dict[str, Any] | ShopProfile, now: datetime) -> UpdateOne:
    """The upsert for one reported profile (raises ValueError when invalid)."""
    profile = raw if isinstance(raw, ShopProfile) else ShopProfile.model_validate(raw)
    fields: dict[str, Any] = {}
    if profile.email is not None:
        email = profile.email.strip()
        if not _EMAIL.match(email):
            raise ValueError(f"not an email address: {email!r}")
        fields["email"] = email
    if profile.country is not None:
        country = profile.country.upper()
        if not _COUNTRY.match(country):
            raise ValueError(f"not an ISO country code: {profile.country!r}")
        fields["country"] = country
    if profile.shopify_plan is not None:
        fields["shopify_plan"] = profile.shopify_plan.strip()
    last_active_at = parse_iso(profile.last_active_at) if profile.last_active_at is not None else None
    return shop_profiles.upsert_op(app_id, profile.shop_id, fields, last_active_at, now)


async def ingest_shop_profiles(
    db: AsyncDatabase, app_id: str, profiles: list[dict[str, Any]] | list[ShopProfile], now: datetime
) -> IngestResult:
    """Validate and upsert reported profiles; the shop ids stored."""
    result = IngestResult()
    ops: list[UpdateOne] = []
    for raw in profiles:
        try:
            ops.append(profile_update(app_id, raw, now))
        except (ValidationError, ValueError) as exc:
            result.rejected += 1
            log.warning("profiles.rejected", app_id=app_id, profile=repr(raw)[:300], error=str(exc)[:300])
            continue
        shop_id = raw.shop_id if isinstance(raw, ShopProfile) else raw["shop_id"]
        result.stored.append(shop_id)
    if ops:
        await rebuild_outbox.mark(db, app_id, result.stored)
        await shop_profiles.apply(db, ops)
    return result
