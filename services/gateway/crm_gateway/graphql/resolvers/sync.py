"""Sync triggers and profile reports: small state writes, then a message (returns at once)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from pydantic import ValidationError

from crm_gateway.graphql.inputs import ShopProfileInput
from crm_shared.clock import to_iso
from crm_shared.errors import UserInputError
from crm_shared.messages import IngestShopProfiles, ShopProfile, send
from crm_shared.sync_requests import request_sync

if TYPE_CHECKING:
    from crm_gateway.context import GatewayContext

MAX_PROFILES = 1000


async def trigger_sync(ctx: GatewayContext, app_id: str, full: bool) -> None:
    """Mark the app QUEUED (a running sync stays RUNNING) and enqueue SyncApp (or BackfillApp when `full`)."""
    await request_sync(ctx.db, ctx.broker(), app_id, full=full, reason="manual", now=ctx.now)


async def report_shop_profiles(ctx: GatewayContext, app_id: str, profiles: list[ShopProfileInput]) -> int:
    """Validate the profiles and enqueue one IngestShopProfiles message; returns how many were accepted."""
    if not profiles:
        raise UserInputError("profiles must not be empty")
    if len(profiles) > MAX_PROFILES:
        raise UserInputError(f"at most {MAX_PROFILES} profiles per call")
    parsed: list[ShopProfile] = []
    for n, p in enumerate(profiles):
        try:
            parsed.append(ShopProfile(
                shop_id=str(p.shop_id),
                email=p.email,
                country=p.country.upper() if p.country else None,
                shopify_plan=p.shopify_plan,
                last_active_at=to_iso(p.last_active_at) if p.last_active_at else None,
            ))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(x) for x in first.get("loc", ()))
            raise UserInputError(f"profiles[{n}].{field}: {first.get('msg')}") from exc
        if p.email is not None and "@" not in p.email:
            raise UserInputError(f"profiles[{n}].email: not an email address")
    await asyncio.to_thread(send, ctx.broker(), IngestShopProfiles(app_id=app_id, profiles=parsed))
    return len(parsed)
