"""The shared Redis rate limit (real Redis)."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from crm_sync.rate_limiter import RateLimiter, bucket_key
from tests.waiting import eventually


async def _grant_times(limiters: list[RateLimiter], n: int, token: str = "tok", hold: float = 0.0) -> list[float]:
    loop = asyncio.get_running_loop()

    async def one(i: int) -> float:
        limiter = limiters[i % len(limiters)]
        grant = await limiter.acquire(token)
        at = loop.time()
        await asyncio.sleep(hold)  # the request in flight
        await limiter.release(token, grant)
        return at

    return sorted(await asyncio.gather(*[one(i) for i in range(n)]))


async def test_grants_are_spaced_one_interval_apart(aredis) -> None:
    limiter = RateLimiter(aredis, rate=4.0)
    assert await limiter.try_acquire("tok", "a") == 0
    assert 0.2 < await limiter.try_acquire("tok", "b") <= 0.25
    times = await _grant_times([limiter], 6)
    for earlier, later in zip(times, times[1:], strict=False):
        assert later - earlier >= 0.24


async def test_two_clients_share_one_limit_per_token(aredis, redis_url) -> None:
    other = Redis.from_url(redis_url)
    try:
        a, b = RateLimiter(aredis, rate=4.0), RateLimiter(other, rate=4.0)
        times = await _grant_times([a, b], 8)
        assert times[-1] - times[0] >= 1.7  # 8 grants at 4/s span 1.75 s, whichever client asks
        assert await a.try_acquire("another-token", "x") == 0
    finally:
        await other.aclose()


async def test_slow_requests_push_the_fifth_grant_past_the_fourth_completion(aredis) -> None:
    limiter = RateLimiter(aredis, rate=4.0)
    times = await _grant_times([limiter], 5, hold=0.4)
    # The first request may reach the server as late as its completion (grant + 0.4 s),
    # so the fifth waits until a second after that, not just four intervals.
    assert times[4] - times[0] >= 1.39


async def test_a_request_that_never_completes_blocks_its_slot_until_the_timeout(aredis) -> None:
    limiter = RateLimiter(aredis, rate=40.0, inflight_timeout=0.5, window=0.1)  # 4 per 0.1 s
    for i in range(4):
        while await limiter.try_acquire("tok", f"dead{i}") > 0:
            await asyncio.sleep(0.03)
    wait = await limiter.try_acquire("tok", "next")
    assert wait > 0.3  # the dead requests still count as in flight


async def _zcard_is(aredis, n: int) -> bool:
    return await aredis.zcard(bucket_key("tok") + ":window") == n


async def test_acquire_books_its_slot_when_it_asks(aredis) -> None:
    limiter = RateLimiter(aredis, rate=4.0)
    loop = asyncio.get_running_loop()
    start = loop.time()
    waiters = [asyncio.create_task(limiter.acquire("tok")) for _ in range(3)]
    await eventually("the three callers to book", lambda: _zcard_is(aredis, 3), interval=0.01)
    wait = await limiter.try_acquire("tok", "later")
    # Slots at +0, +0.25 and +0.5 (from the first booking, made after `start`) are taken by the three callers
    # already: the next free one is at +0.75.
    assert 0.75 - (loop.time() - start) - 0.01 <= wait <= 0.75
    await asyncio.gather(*waiters)


async def test_requests_in_flight_longer_than_the_window_delay_the_fifth_only_until_they_complete(aredis) -> None:
    limiter = RateLimiter(aredis, rate=4.0)
    times = await asyncio.wait_for(_grant_times([limiter], 5, hold=1.2), timeout=10)
    # All four places are held by requests still in flight when the fifth asks; it gets the first
    # place a second after the first completion (grant + 1.2 s), not after the in-flight timeout.
    assert 2.19 <= times[4] - times[0] < 3.0


async def test_a_caller_cancelled_before_its_slot_frees_its_place(aredis) -> None:
    limiter = RateLimiter(aredis, rate=4.0)
    await limiter.release("tok", await limiter.acquire("tok"))
    waiter = asyncio.create_task(limiter.acquire("tok"))  # booked a quarter of a second ahead
    await eventually("the waiter to book its place", lambda: _zcard_is(aredis, 2))
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert await aredis.zcard(bucket_key("tok") + ":window") == 1  # never sent: holds no place


async def test_grants_of_one_process_stay_an_interval_apart_whatever_redis_says(aredis) -> None:
    limiter = RateLimiter(aredis, rate=4.0)
    loop = asyncio.get_running_loop()
    await limiter.acquire("tok")
    first = loop.time()
    await aredis.flushdb()  # the shared state forgets the first grant (as if its slot had been long ago)
    await limiter.acquire("tok")
    assert loop.time() - first >= 0.25
