"""One token bucket per Partner API client, shared by every process via Redis.

The bucket is a GCRA reservation kept in one Redis key per access token:
the Lua script atomically books the next free slot (Redis' own clock, so all
processes and machines agree) and returns how long the caller must wait
for it.  Callers then sleep until their slot; nothing is polled, and the
order of reservations is the order of service.  With ``burst=1`` requests
are spaced at least ``1/rate`` apart, which keeps every sliding one-second
window at or under ``rate`` requests.
"""

from __future__ import annotations

import asyncio
import hashlib

from redis.asyncio import Redis

# KEYS[1] bucket key; ARGV: interval_us, burst.  Returns the wait in microseconds.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local earliest = now - (burst - 1) * interval
local slot = tat
if slot < earliest then slot = earliest end
local nxt = slot + interval
redis.call('SET', KEYS[1], string.format('%d', nxt), 'PX', math.ceil((nxt - now) / 1000) + 1000)
local wait = slot - now
if wait < 0 then wait = 0 end
return wait
"""


def bucket_key(access_token: str) -> str:
    """Redis key of the bucket of one Partner API client (the token is never stored)."""
    return "crm:partner-api:bucket:" + hashlib.sha256(access_token.encode()).hexdigest()[:24]


class RateLimiter:
    """`await limiter.acquire(token)` before every Partner API request."""

    def __init__(self, redis: Redis, rate: float, burst: int = 1) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self._redis = redis
        self._interval_us = int(round(1_000_000 / rate))
        self._burst = burst
        self._script = redis.register_script(_RESERVE)

    async def reserve(self, access_token: str) -> float:
        """Book the next slot of this client's bucket; seconds to wait for it."""
        wait_us = await self._script(keys=[bucket_key(access_token)], args=[self._interval_us, self._burst])
        return int(wait_us) / 1_000_000

    async def acquire(self, access_token: str) -> float:
        """Wait for this client's next slot; returns the seconds waited."""
        wait = await self.reserve(access_token)
        if wait > 0:
            await asyncio.sleep(wait)
        return wait
