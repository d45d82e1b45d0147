"""Whether a large Partner API import of an app is running (the sync worker writes, the analytics worker reads).

An *import* is a sync run that reads a large part of an app's history: a backfill (``triggerSync(full: true)``,
``backfill_app``) or the app's first sync (no completed sync yet).  Events come newest first across all of an
app's shops, so during an import nearly every page touches a different set of customers: rebuilding the touched
customers page by page would rebuild each customer about once per page that mentions it (ten times or more for
a customer with a long history), and every intermediate version would show a partial history (the recent
charges without the install that explains them).  While an import runs, the analytics worker therefore keeps
the touched shops pending (and marked in the durable rebuild outbox) and rebuilds each one once when the import
has finished; ``syncStatus`` shows the import's progress meanwhile.  Incremental syncs are not imports: their
customers are rebuilt page by page, at once.

A run counts as in progress only while its worker holds the app's sync lease, a Redis key with a time to live
that the worker renews while it lives, so a killed worker delays rebuilds by at most the lease time.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from crm_shared.mongo import SYNC_STATE

RUNNING = "RUNNING"
BACKFILL = "backfill"


def sync_lease_key(app_id: str) -> str:
    """Redis key of the sync lease of one app (held by the worker syncing it)."""
    return f"crm:sync:lease:{app_id}"


def is_import(sync_state: dict[str, Any] | None) -> bool:
    """Whether a `sync_state` document describes an import in progress (ignoring the lease)."""
    if not sync_state or sync_state.get("state") != RUNNING:
        return False
    if sync_state.get("last_synced_at") is None:
        return True  # the app's first sync reads its whole history
    streams = sync_state.get("streams") or {}
    return any(isinstance(s, dict) and s.get("mode") == BACKFILL for s in streams.values())


async def import_in_progress(db: AsyncDatabase, redis: Redis, app_id: str) -> bool:
    """Whether an import of `app_id` is running now (a live lease and a running import in `sync_state`)."""
    if not await redis.exists(sync_lease_key(app_id)):
        return False
    doc = await db[SYNC_STATE].find_one({"_id": app_id}, {"state": 1, "last_synced_at": 1, "streams": 1})
    return is_import(doc)
