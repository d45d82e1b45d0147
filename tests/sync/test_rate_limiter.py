"""The shared Redis token bucket (real Redis)."""

from __future__ import annotations

import asyncio

from crm_sync.rate_limiter import RateLimiter


async def test_reservations_are_spaced_one_interval_apart(aredis) -> None:
    limiter = RateLimiter(aredis, rate=4.0)
    waits = [await limiter.reserve("tok") for _ in range(8)]
    assert waits[0] == 0
    # Each reservation is a quarter second after the previous one (minus the time spent reserving).
    for earlier, later in zip(waits, waits[1:], strict=False):
        assert 0.2 < later - earlier <= 0.25 + 1e-6


async def test_two_limiters_share_one_bucket_per_token(aredis, redis_url) -> None:
    from redis.asyncio import Redis

    other = Redis.from_url(redis_url)
    try:
        a, b = RateLimiter(aredis, rate=4.0), RateLimiter(other, rate=4.0)
        waits = sorted(await asyncio.gather(*[(a if i % 2 else b).reserve("tok") for i in range(8)]))
        assert waits[-1] >= 1.5  # 8 slots at 4/s span 1.75 s, whoever asks
        assert await a.reserve("another-token") == 0
    finally:
        await other.aclose()


async def test_burst_allows_that_many_immediate_requests(aredis) -> None:
    limiter = RateLimiter(aredis, rate=4.0, burst=3)
    waits = [await limiter.reserve("tok") for _ in range(4)]
    assert waits[:3] == [0, 0, 0]
    assert waits[3] > 0.15
