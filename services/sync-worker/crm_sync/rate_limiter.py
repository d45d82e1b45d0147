"""One token bucket per Partner API client, shared by every process via Redis.

The bucket is one Redis key per access token holding the earliest time (Redis'
own clock, so all processes and machines agree) at which the next request may
go.  A Lua script grants atomically: when that time has come, it books the
request *now* and moves the key ``1/rate`` ahead; otherwise it books nothing
and answers how long to wait.  Granting at the moment of sending (rather than
reserving a future slot and sleeping through it) keeps the requests that
reach the server spaced even when a process is descheduled while it waits.
``burst`` > 1 lets that many requests through at once after an idle period.
"""

from __future__ import annotations

import asyncio
import hashlib

from redis.asyncio import Redis

# KEYS[1] bucket key; ARGV: interval_us, burst, cost (intervals booked by this request).  Returns 0 when granted, else the wait in microseconds.
_TRY_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tau = (tonumber(ARGV[2]) - 1) * interval
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local allow_at = tat - tau
if now < allow_at then return math.max(1, allow_at - now) end
local nxt = tat + interval * tonumber(ARGV[3])
redis.call('SET', KEYS[1], string.format('%d', nxt), 'PX', math.ceil((nxt - now) / 1000) + 1000)
return 0
"""


def bucket_key(access_token: str) -> str:
    """Redis key of the bucket of one Partner API client (the token is never stored)."""
    return "crm:partner-api:bucket:" + hashlib.sha256(access_token.encode()).hexdigest()[:24]


class RateLimiter:
    """`await limiter.acquire(token)` right before every Partner API request."""

    def __init__(self, redis: Redis, rate: float, burst: int = 1) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self._redis = redis
        self._interval_us = int(round(1_000_000 / rate))
        self._burst = burst
        self._script = redis.register_script(_TRY_ACQUIRE)

    async def try_acquire(self, access_token: str, cost: int = 1) -> float:
        """Take a token if one is due now (0.0), else the seconds until one is.

        `cost` > 1 books that many intervals: used for a request that opens a new
        connection, whose arrival is late by the connection setup, so the request
        after it does not reach the server too close behind it."""
        wait_us = await self._script(keys=[bucket_key(access_token)], args=[self._interval_us, self._burst, cost])
        return int(wait_us) / 1_000_000

    async def acquire(self, access_token: str, cost: int = 1) -> float:
        """Wait until this client may send; returns the seconds waited."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        while (wait := await self.try_acquire(access_token, cost)) > 0:
            await asyncio.sleep(wait)
        waited = loop.time() - started
        return waited
