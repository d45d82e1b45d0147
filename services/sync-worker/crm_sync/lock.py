"""A Redis lease per app so two workers never sync the same app at once.

`AppLease` is taken with ``SET NX PX`` under a random token, renewed in the
background while held, and released only by its holder (compare-and-delete in
Lua).  A holder that dies simply lets the lease expire.  `lost` turns true if a
renewal finds the lease gone, and `check()` then raises so a worker stops
before writing anything more.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets

from redis.asyncio import Redis

from crm_shared.errors import CrmError
from crm_shared.sync_activity import sync_lease_key

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class LeaseBusyError(CrmError):
    """Another worker holds the lease of this app."""

    code = "SYNC_IN_PROGRESS"


class LeaseLostError(CrmError):
    """This worker's lease expired or was taken over; it must stop."""


def lease_key(app_id: str) -> str:
    """Redis key of the sync lease of one app (the analytics worker watches it, see `crm_shared.sync_activity`)."""
    return sync_lease_key(app_id)


class AppLease:
    """``async with AppLease(redis, app_id):`` — raises `LeaseBusyError` when held elsewhere."""

    def __init__(self, redis: Redis, app_id: str, ttl_seconds: float = 60.0) -> None:
        self._redis = redis
        self.key = lease_key(app_id)
        self._ttl_ms = int(ttl_seconds * 1000)
        self._token = secrets.token_hex(16)
        self._renewer: asyncio.Task[None] | None = None
        self.lost = False

    async def acquire(self) -> bool:
        """Take the lease if free; True when taken."""
        taken = await self._redis.set(self.key, self._token, nx=True, px=self._ttl_ms)
        if taken:
            self._renewer = asyncio.create_task(self._renew_forever())
        return bool(taken)

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(self._ttl_ms / 3000)
            try:
                ok = await self._redis.eval(_RENEW, 1, self.key, self._token, self._ttl_ms)
            except Exception:  # Redis briefly unreachable: try again next tick; expiry is the backstop
                continue
            if not ok:
                self.lost = True
                return

    def check(self) -> None:
        """Raise `LeaseLostError` when the lease is no longer ours."""
        if self.lost:
            raise LeaseLostError(f"lease {self.key} lost")

    async def release(self) -> None:
        """Stop renewing and delete the lease if it is still ours."""
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
            self._renewer = None
        await self._redis.eval(_RELEASE, 1, self.key, self._token)

    async def __aenter__(self) -> AppLease:
        if not await self.acquire():
            raise LeaseBusyError(f"app is already being synced ({self.key})")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.release()
