"""The shared Redis token bucket (real Redis)."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from crm_sync.rate_limiter import RateLimiter


async def _grant_times(limiters: list[RateLimiter], n: int, token: str = "tok") -> list[float]:
    loop = asyncio.get_running_loop()

    async def one(i: int) -> float:
        await limiters[i % len(limiters)].acquire(token)
        return loop.time()

    return sorted(await asyncio.gather(*[one(i) for i in range(n)]))


async def test_grants_are_spaced_one_interval_apart(aredis) -> None:
    limiter = RateLimiter(aredis, rate=4.0)
    assert await limiter.try_acquire("tok") == 0
    assert 0.2 < await limiter.try_acquire("tok") <= 0.25
    times = await _grant_times([limiter], 6)
    for earlier, later in zip(times, times[1:], strict=False):
        assert later - earlier >= 0.24


async def test_two_clients_share_one_bucket_per_token(aredis, redis_url) -> None:
    other = Redis.from_url(redis_url)
    try:
        a, b = RateLimiter(aredis, rate=4.0), RateLimiter(other, rate=4.0)
        times = await _grant_times([a, b], 8)
        assert times[-1] - times[0] >= 1.7  # 8 grants at 4/s span 1.75 s, whichever client asks
        for earlier, later in zip(times, times[1:], strict=False):
            assert later - earlier >= 0.24
        assert await a.try_acquire("another-token") == 0
    finally:
        await other.aclose()


async def test_burst_allows_that_many_immediate_requests(aredis) -> None:
    limiter = RateLimiter(aredis, rate=4.0, burst=3)
    waits = [await limiter.try_acquire("tok") for _ in range(4)]
    assert waits[:3] == [0, 0, 0]
    assert waits[3] > 0.15
