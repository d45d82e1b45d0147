"""One rate limit per Partner API client, shared by every process via Redis.

Two rules, checked atomically by one Lua script on Redis' clock (so every
process and machine agrees), per access token:

1. spacing: grants are at least ``1/rate`` apart (a GCRA bucket, ``burst`` 1);
2. window: a request is granted only when fewer than ``rate`` earlier requests
   may still arrive at the server within the last second.  An earlier request
   "may still arrive" until it has *completed* (`release`) — its arrival lies
   between its grant and its completion — so a request delayed between grant
   and server (a descheduled process, a new connection) can never make two
   requests land closer than the limit allows.  A request whose process died
   counts as in flight until ``inflight_timeout`` has passed.

Together: at most ``rate`` requests reach the server in any one-second window,
whatever the machine's load, at a cost of about one request latency per
second of throughput (rule 2 can be switched off: SYNC_RATE_STRICT_WINDOW=0).
Grants happen at the moment of sending, nothing is booked ahead.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets

from redis.asyncio import Redis

# KEYS: tat key, window zset.  ARGV: interval_us, limit, window_us, inflight_us, request id.
# Returns 0 when granted, else microseconds to wait.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local window, inflight = tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', string.format('%d', now - window))
if limit > 0 and redis.call('ZCARD', KEYS[2]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + window - now)
end
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat > now then return math.max(1, tat - now) end
redis.call('SET', KEYS[1], string.format('%d', now + interval), 'PX', math.ceil(interval / 1000) + 1000)
redis.call('ZADD', KEYS[2], string.format('%d', now + inflight), ARGV[5])
redis.call('PEXPIRE', KEYS[2], math.ceil((inflight + window) / 1000) + 1000)
return 0
"""

# KEYS: window zset.  ARGV: request id.  Marks the request completed now.
_RELEASE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], 'XX', string.format('%d', now), ARGV[1])
end
return 0
"""


def bucket_key(access_token: str) -> str:
    """Redis key prefix of one Partner API client (the token itself is never stored)."""
    return "crm:partner-api:limit:" + hashlib.sha256(access_token.encode()).hexdigest()[:24]


class RateLimiter:
    """``grant = await limiter.acquire(token)`` before a request, ``await limiter.release(token, grant)`` after."""

    def __init__(self, redis: Redis, rate: float, inflight_timeout: float = 60.0, window: float = 1.0,
                 strict_window: bool = True) -> None:
        """`strict_window` False keeps only rule 1 (spacing): faster by about one request
        latency per second, but arrivals can bunch when a request is delayed after its grant."""
        if rate <= 0:
            raise ValueError("rate must be > 0")
        self._redis = redis
        self._interval_us = int(round(1_000_000 / rate))
        self._limit = max(1, int(rate * window)) if strict_window else 0
        self._window_us = int(window * 1_000_000)
        self._inflight_us = int(inflight_timeout * 1_000_000)
        self._acquire = redis.register_script(_ACQUIRE)
        self._release = redis.register_script(_RELEASE)

    async def try_acquire(self, access_token: str, request_id: str) -> float:
        """Grant `request_id` now (0.0), or the seconds until it might be granted."""
        key = bucket_key(access_token)
        wait_us = await self._acquire(
            keys=[key + ":tat", key + ":window"],
            args=[self._interval_us, self._limit, self._window_us, self._inflight_us, request_id],
        )
        return int(wait_us) / 1_000_000

    async def acquire(self, access_token: str) -> str:
        """Wait until this client may send; the grant id to `release` once answered."""
        request_id = secrets.token_hex(8)
        while (wait := await self.try_acquire(access_token, request_id)) > 0:
            await asyncio.sleep(wait)
        return request_id

    async def release(self, access_token: str, request_id: str) -> None:
        """The request has been answered (or failed): it can no longer arrive."""
        await self._release(keys=[bucket_key(access_token) + ":window"], args=[request_id])
