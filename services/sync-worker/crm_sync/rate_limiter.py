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
whatever the machine's load.  Knowing only that each arrival lies between its
grant and its completion, rule 2 is also the tightest such bound: each request
holds one of the ``rate`` places of the window from its grant until a second
after its completion, so the ceiling is ``rate / (1 + L)`` for a latency
``L`` from grant to completion.  Hence completion is reported as early as it
is known (the client releases when the response headers arrive, see
`crm_sync.client`), and rule 2 can be switched off (SYNC_RATE_STRICT_WINDOW=0),
leaving spacing only.

`acquire` books the slot: the script answers with the exact time of the
earliest slot both rules allow and records the request there (it counts as in
flight from then on), so the caller sleeps once, until that moment, and
sends.  Concurrent callers get distinct slots in the order they asked instead
of polling and racing for the same one, and a caller that wakes late (a busy
event loop, a descheduled process) does not move the slots booked after its
own; only the next caller of the same process keeps one interval after it, so
what leaves a process stays spaced.  When the window is full of requests still
in flight, nothing can be granted earlier than a second from now (a completion
cannot lie in the past), so the caller asks again then rather than sleeping
until the in-flight timeout.  `try_acquire` grants only at once, booking
nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
import time
from dataclasses import dataclass

from redis.asyncio import Redis

# KEYS: tat key, window zset.
# ARGV: interval_us, limit, window_us, inflight_us, request id, book (1 books a future slot, 0 grants only now).
# A request in flight has score (booked time + inflight_us), always > now; a completed one its completion time.
# Returns {granted (1/0), microseconds until the slot (granted) or until a grant if nothing completes
# meanwhile (not granted), microseconds before asking again is worth it (not granted)}.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local window, inflight = tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', string.format('%d', now - window))
local at = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
if limit > 0 and redis.call('ZCARD', KEYS[2]) >= limit then
  local nth = tonumber(redis.call('ZREVRANGE', KEYS[2], limit - 1, limit - 1, 'WITHSCORES')[2])
  if nth > now then
    -- the window is full of requests in flight: each completes at or after max(now, its booked time)
    return {0, nth + window - now, math.max(now, nth - inflight) + window - now}
  end
  at = math.max(at, nth + window)
end
if at > now and ARGV[6] ~= '1' then return {0, at - now, at - now} end
redis.call('SET', KEYS[1], string.format('%d', at + interval), 'PX', math.ceil((at - now + interval) / 1000) + 1000)
redis.call('ZADD', KEYS[2], string.format('%d', at + inflight), ARGV[5])
redis.call('PEXPIRE', KEYS[2], math.ceil((at - now + inflight + window) / 1000) + 1000)
return {1, at - now, 0}
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


@dataclass(frozen=True)
class Answer:
    """The script's answer: granted (at once, or booked `wait` seconds ahead), else when to ask again."""

    granted: bool
    wait: float
    retry: float


#: Per bucket key: `time.monotonic()` of this process' latest grant (every limiter of the process shares it).
_LAST_LOCAL_GRANT: dict[str, float] = {}


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

    async def _ask(self, access_token: str, request_id: str, book: bool) -> Answer:
        key = bucket_key(access_token)
        granted, wait_us, retry_us = await self._acquire(
            keys=[key + ":tat", key + ":window"],
            args=[self._interval_us, self._limit, self._window_us, self._inflight_us, request_id, int(book)],
        )
        return Answer(bool(granted), int(wait_us) / 1_000_000, int(retry_us) / 1_000_000)

    async def try_acquire(self, access_token: str, request_id: str) -> float:
        """Grant `request_id` now (0.0), or the seconds until it might be granted (nothing is booked)."""
        answer = await self._ask(access_token, request_id, book=False)
        return 0.0 if answer.granted else max(answer.wait, 1e-6)

    async def acquire(self, access_token: str) -> str:
        """Book the earliest slot, sleep until it; the grant id to `release` once answered."""
        request_id, key = secrets.token_hex(8), bucket_key(access_token)
        while not (answer := await self._ask(access_token, request_id, book=True)).granted:
            await asyncio.sleep(answer.retry)
        slot, interval = time.monotonic() + answer.wait, self._interval_us / 1_000_000
        try:
            # the booked slot, and one interval after this process' previous grant (which may have woken late)
            while (wait := max(slot, _LAST_LOCAL_GRANT.get(key, float("-inf")) + interval) - time.monotonic()) > 0:
                await asyncio.sleep(wait)
        except BaseException:
            # Cancelled before its slot: the request is never sent, so it holds no place.
            with contextlib.suppress(Exception):
                await self._redis.zrem(key + ":window", request_id)
            raise
        _LAST_LOCAL_GRANT[key] = time.monotonic()
        return request_id

    async def release(self, access_token: str, request_id: str) -> None:
        """The request has been answered (or failed): it can no longer arrive."""
        await self._release(keys=[bucket_key(access_token) + ":window"], args=[request_id])
