"""The sync lease of an app: held in Redis by the one worker syncing it (`crm_shared.lease.Lease`).

Key ``crm:sync:lease:{app_id}``.  Only the sync worker takes it; a request that
finds it taken waits for `time_left` and tries again.  Who is syncing what is
read from `crm_shared.store.sync_state` (which mirrors the lease's expiry), never
from this key.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from redis.asyncio import Redis

from crm_shared import lease


def lease_key(app_id: str) -> str:
    """Redis key of the sync lease of one app."""
    return f"crm:sync:lease:{app_id}"


def sync_lease(redis: Redis, app_id: str, ttl_seconds: float,
               on_renew: Callable[[datetime], Awaitable[None]] | None = None) -> lease.Lease:
    """The app's lease, renewed three times per time to live while held."""
    return lease.Lease(redis, lease_key(app_id), ttl_seconds, renew_every=ttl_seconds / 3, on_renew=on_renew)


async def time_left(redis: Redis, app_id: str) -> float | None:
    """Seconds until the app's lease expires (None when free)."""
    return await lease.time_left(redis, lease_key(app_id))
