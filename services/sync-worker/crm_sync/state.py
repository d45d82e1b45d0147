"""Reads and writes of `sync_state` (one document per app, see crm_shared.documents).

Every write is one `update_one` with upsert, so a page's checkpoint (cursor,
counters, progress) is atomic.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.mongo import SYNC_STATE

IDLE, QUEUED, RUNNING, FAILED = "IDLE", "QUEUED", "RUNNING", "FAILED"


async def load(db: AsyncDatabase, app_id: str) -> dict[str, Any]:
    """The app's sync_state document, or an empty dict."""
    return await db[SYNC_STATE].find_one({"_id": app_id}) or {}


async def _update(db: AsyncDatabase, app_id: str, update: dict[str, Any]) -> None:
    update.setdefault("$setOnInsert", {})["app_id"] = app_id
    await db[SYNC_STATE].update_one({"_id": app_id}, update, upsert=True)


async def mark_running(db: AsyncDatabase, app_id: str, now: datetime) -> None:
    """A run started."""
    await _update(db, app_id, {"$set": {"state": RUNNING, "started_at": now, "last_error": None,
                                        "last_error_permanent": False, "progress": 0.0},
                               "$setOnInsert": {"events_synced": 0, "transactions_synced": 0, "malformed_count": 0}})


async def mark_idle(db: AsyncDatabase, app_id: str, now: datetime) -> None:
    """A run finished successfully."""
    await _update(db, app_id, {"$set": {"state": IDLE, "last_synced_at": now, "last_error": None,
                                        "last_error_permanent": False, "progress": 1.0}})


async def mark_failed(db: AsyncDatabase, app_id: str, message: str, permanent: bool) -> None:
    """A run stopped on an error (the checkpoints stay, so the next run resumes)."""
    await _update(db, app_id, {"$set": {"state": FAILED, "last_error": message, "last_error_permanent": permanent}})


async def mark_queued(db: AsyncDatabase, app_id: str, now: datetime) -> None:
    """A sync message was enqueued (a running sync keeps its RUNNING state)."""
    from pymongo.errors import DuplicateKeyError

    try:
        await db[SYNC_STATE].update_one(
            {"_id": app_id, "state": {"$ne": RUNNING}},
            {"$set": {"state": QUEUED, "queued_at": now}, "$setOnInsert": {"app_id": app_id}},
            upsert=True,
        )
    except DuplicateKeyError:  # exists and is RUNNING
        pass


async def checkpoint(
    db: AsyncDatabase,
    app_id: str,
    stream: str,
    fields: dict[str, Any],
    counts: dict[str, int] | None = None,
    progress: float | None = None,
) -> None:
    """Store a stream's position (and counters) after a page, in one write."""
    update: dict[str, Any] = {"$set": {f"streams.{stream}.{k}": v for k, v in fields.items()}}
    if progress is not None:
        update["$set"]["progress"] = progress
    incs = {k: v for k, v in (counts or {}).items() if v}
    if incs:
        update["$inc"] = incs
    await _update(db, app_id, update)


async def reconcile_count(db: AsyncDatabase, app_id: str, field: str, collection: str) -> None:
    """Set a counter to the documents actually stored (a crash between a page's write
    and its checkpoint would otherwise leave the per-page increments short)."""
    count = await db[collection].count_documents({"app_id": app_id})
    await _update(db, app_id, {"$set": {field: count}})
