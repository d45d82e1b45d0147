"""Asking for a sync: mark the app QUEUED in `sync_state`, then enqueue `SyncApp` (or `BackfillApp` when
`full`). Used by the gateway's `triggerSync`, the `crm sync` command and a newly connected app's first sync."""

from __future__ import annotations

import asyncio
from datetime import datetime

import dramatiq
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.clock import utcnow
from crm_shared.messages import BackfillApp, SyncApp, send
from crm_shared.mongo import SYNC_STATE


async def request_sync(db: AsyncDatabase, broker: dramatiq.Broker, app_id: str, full: bool = False,
                       reason: str = "manual", now: datetime | None = None) -> None:
    """Mark `app_id` QUEUED and enqueue its sync (returns at once; the sync worker does the work)."""
    await db[SYNC_STATE].update_one(
        {"_id": app_id},
        {"$set": {"app_id": app_id, "state": "QUEUED", "queued_at": now or utcnow()},
         "$setOnInsert": {"events_synced": 0, "transactions_synced": 0}},
        upsert=True,
    )
    payload = BackfillApp(app_id=app_id, reason=reason) if full else SyncApp(app_id=app_id, reason=reason)
    await asyncio.to_thread(send, broker, payload)
