"""Asking for a sync: mark the app QUEUED in `sync_state` (a live run stays RUNNING), then enqueue `SyncApp` (or
`BackfillApp` when `full`). Used by the gateway's `triggerSync`, the `crm sync` command and a newly connected app's
first sync."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import dramatiq
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.clock import utcnow
from crm_shared.messages import BackfillApp, SyncApp, send
from crm_shared.store import sync_state


async def request_sync(db: AsyncDatabase[Any], broker: dramatiq.Broker, app_id: str, full: bool = False,
                       reason: str = "manual", now: datetime | None = None) -> None:
    """Mark `app_id` QUEUED and enqueue its sync (returns at once; the sync worker does the work). During a
    running sync the app stays RUNNING and the request runs when that sync has finished."""
    await sync_state.mark_queued(db, app_id, now or utcnow())
    payload = BackfillApp(app_id=app_id, reason=reason) if full else SyncApp(app_id=app_id, reason=reason)
    await asyncio.to_thread(send, broker, payload)
