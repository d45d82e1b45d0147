"""The one lease implementation: redis-py's `Lock`, renewed while held, with a `lost` flag.

redis-py's lock is ``SET NX PX`` under a random token; its extend and release
are token-checked Lua scripts, so only the holder renews or frees it, and a
holder that dies lets it expire after its time to live.  `Lease` adds what the
workers need on top: renewal in the background while held (``renew_every``),
a callback after each renewal (the sync worker mirrors the expiry into
`sync_state`), `lost` / `check()` to stop writing once the lease is gone, and
`time_left` for someone waiting for it.

Used for an app's sync lease (`crm_shared.store.sync_leases`) and the analytics
worker's app lock (`crm_analytics.locking`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

from redis.asyncio import Redis
from redis.exceptions import LockError, LockNotOwnedError

from crm_shared.errors import CrmError
from crm_shared.logs import get_logger

log = get_logger(__name__)


class LeaseBusyError(CrmError):
    """Someone else holds the lease."""

    code = "LEASE_BUSY"


class LeaseLostError(CrmError):
    """The lease expired or was taken over while held: its holder must stop writing."""


def wall_clock() -> datetime:
    """Real time (leases expire in real time, whatever `CRM_NOW` says)."""
    return datetime.now(timezone.utc)


class Lease:
    """``async with Lease(redis, key, ttl):`` — raises `LeaseBusyError` when held elsewhere."""

    def __init__(self, redis: Redis, key: str, ttl_seconds: float, *, renew_every: float | None = None,
                 on_renew: Callable[[datetime], Awaitable[None]] | None = None) -> None:
        self.key = key
        self.ttl_seconds = ttl_seconds
        self._lock = redis.lock(key, timeout=ttl_seconds, blocking=False, thread_local=False)
        self._renew_every = renew_every
        self._on_renew = on_renew
        self._renewer: asyncio.Task[None] | None = None
        self.lost = False
        self.expires_at: datetime | None = None

    def _expiry(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self.ttl_seconds, timezone.utc)

    async def acquire(self) -> bool:
        """Take the lease if free; True when taken (renewal starts when `renew_every` is set)."""
        if not await self._lock.acquire(blocking=False):
            return False
        self.lost = False
        self.expires_at = self._expiry()
        if self._renew_every:
            self._renewer = asyncio.create_task(self._renew_forever(self._renew_every))
        return True

    async def renew(self) -> None:
        """Reset the time to live; `LeaseLostError` (and `lost`) when the lease is no longer ours."""
        try:
            await self._lock.reacquire()
        except LockNotOwnedError as exc:
            self.lost = True
            raise LeaseLostError(f"lease {self.key} lost") from exc
        self.expires_at = self._expiry()
        if self._on_renew is not None:
            await self._on_renew(self.expires_at)

    async def _renew_forever(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await self.renew()
            except LeaseLostError:
                log.warning("lease.lost", lease=self.key)
                return
            except Exception:  # Redis or MongoDB briefly unreachable: retry next tick; expiry is the backstop
                log.warning("lease.renew_failed", lease=self.key, exc_info=True)

    def check(self) -> None:
        """Raise `LeaseLostError` when the lease is no longer ours."""
        if self.lost:
            raise LeaseLostError(f"lease {self.key} lost")

    async def release(self) -> None:
        """Stop renewing and free the lease if it is still ours."""
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
            self._renewer = None
        with contextlib.suppress(LockError):  # expired or taken over: nothing of ours to free
            await self._lock.release()

    async def __aenter__(self) -> Lease:
        if not await self.acquire():
            raise LeaseBusyError(f"{self.key} is held by another worker")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.release()


async def time_left(redis: Redis, key: str) -> float | None:
    """Seconds until the lease `key` expires, or None when nobody holds it."""
    ms = await redis.pttl(key)
    return ms / 1000 if ms and ms > 0 else None
