"""Fixtures of the sync worker tests: an async Redis client (real server)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis


@pytest.fixture
async def aredis(redis_url: str) -> AsyncIterator[Redis]:
    """An asyncio client on the test Redis, flushed before the test."""
    client = Redis.from_url(redis_url)
    await client.flushdb()
    try:
        yield client
    finally:
        await client.aclose()
