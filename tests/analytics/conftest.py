"""Fixtures of the analytics worker tests: a job context on the test Mongo and Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from crm_analytics.config import JobContext
from crm_shared.broker import make_broker
from crm_shared.settings import Settings
from tests.conftest import fresh_database

JobFactory = Callable[[AsyncDatabase], JobContext]


@pytest.fixture
async def other_db(mongo_uri: str) -> AsyncIterator[AsyncDatabase]:
    """A second fresh database (to compare two paths side by side)."""
    async for database in fresh_database(mongo_uri):
        yield database


@pytest.fixture
async def make_job(redis_url: str, redis_client: object) -> AsyncIterator[Callable[..., JobContext]]:
    """Builds a JobContext on a database, with the real Redis broker (flushed Redis)."""
    broker = make_broker(redis_url)
    redis = Redis.from_url(redis_url)

    def build(db: AsyncDatabase, debounce_seconds: float = 5.0, batch_size: int = 7) -> JobContext:
        settings = Settings(ANALYTICS_DEBOUNCE_SECONDS=debounce_seconds, ANALYTICS_BATCH_SIZE=batch_size)
        return JobContext(db=db, redis=redis, broker=broker, settings=settings)

    try:
        yield build
    finally:
        await redis.aclose()
        broker.close()

