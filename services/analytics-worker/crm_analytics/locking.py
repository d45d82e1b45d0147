"""Coalescing state in Redis: pending shop ids, the per-app lock, the debounce key.

Keys (per app):
    crm:analytics:{app}:pending     SET of shop ids whose raw data changed
    crm:analytics:{app}:lock        the app lock: one worker at a time derives or
                                    recomputes an app, so two rebuilds of one
                                    customer never interleave
    crm:analytics:{app}:due         exists while an app-level recompute is scheduled
    crm:analytics:{app}:recomputes  how many app-level recomputes ran (a counter)
"""

from __future__ import annotations

from redis.asyncio import Redis

from crm_shared.errors import CrmError
from crm_shared.lease import Lease

PREFIX = "crm:analytics"


class AppBusyError(CrmError):
    """Another worker holds the app lock; the message is retried later."""


def key(app_id: str, name: str) -> str:
    """The Redis key `name` of one app."""
    return f"{PREFIX}:{app_id}:{name}"


def app_lock(redis: Redis, app_id: str, lease_seconds: float) -> Lease:
    """The app lock (`crm_shared.lease`: token-checked renew and release; expires if its holder dies).

    Renewed by the job after every batch it writes."""
    return Lease(redis, key(app_id, "lock"), lease_seconds)


async def add_pending(redis: Redis, app_id: str, shop_ids: list[str]) -> None:
    """Remember shops whose customers must be rebuilt."""
    if shop_ids:
        await redis.sadd(key(app_id, "pending"), *shop_ids)


async def pop_pending(redis: Redis, app_id: str, count: int) -> list[str]:
    """Take up to `count` pending shop ids (each is taken by exactly one caller)."""
    raw = await redis.spop(key(app_id, "pending"), count)
    return sorted(v.decode() if isinstance(v, bytes) else str(v) for v in raw or [])


async def pending_count(redis: Redis, app_id: str) -> int:
    """How many shops are waiting."""
    return int(await redis.scard(key(app_id, "pending")))


async def mark_due(redis: Redis, app_id: str, seconds: float) -> bool:
    """Claim the right to schedule the next recompute; False when one is already scheduled."""
    ttl_ms = int((seconds + 60) * 1000)
    return bool(await redis.set(key(app_id, "due"), "1", nx=True, px=ttl_ms))


async def clear_due(redis: Redis, app_id: str) -> None:
    """A scheduled recompute started: later changes may schedule the next one."""
    await redis.delete(key(app_id, "due"))


async def count_recompute(redis: Redis, app_id: str) -> int:
    """Count one app-level recompute; returns the total so far."""
    return int(await redis.incr(key(app_id, "recomputes")))


async def recompute_count(redis: Redis, app_id: str) -> int:
    """How many app-level recomputes ran for the app."""
    value = await redis.get(key(app_id, "recomputes"))
    return int(value or 0)
