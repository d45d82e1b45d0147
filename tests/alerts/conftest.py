"""Fixtures of the alert tests: a registered organization and app on a fresh database, a job context on the test
Redis, a local receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from crm_analytics.config import JobContext
from crm_shared.alerts.emit import ensure_indexes
from crm_shared.broker import make_broker
from crm_shared.settings import Settings
from crm_shared.store.registry import create_api_key, register_organization
from tests.alerts.receiver import Receiver
from tests.analytics.raw_factory import APP

ORG, OTHER_ORG = "7001", "7002"
OTHER_APP = "gid://partners/App/777"


@dataclass
class AlertEnv:
    db: AsyncDatabase
    redis: Redis
    job: JobContext
    key: str
    other_key: str


@pytest.fixture
async def env(db: AsyncDatabase, redis_url: str, redis_client: object) -> AsyncIterator[AlertEnv]:
    """Organization ORG with app APP, organization OTHER_ORG with OTHER_APP, their keys, a job context."""
    await register_organization(db, ORG, "Alert Org", "tok", [{"id": APP, "name": "Alerty"}])
    await register_organization(db, OTHER_ORG, "Other", "tok2", [{"id": OTHER_APP, "name": "Rival"}])
    key = await create_api_key(db, ORG, "t")
    other_key = await create_api_key(db, OTHER_ORG, "t")
    await ensure_indexes(db)
    broker = make_broker(redis_url)
    redis = Redis.from_url(redis_url)
    settings = Settings(ANALYTICS_DEBOUNCE_SECONDS=5.0, ANALYTICS_BATCH_SIZE=7)
    try:
        yield AlertEnv(db, redis, JobContext(db=db, redis=redis, broker=broker, settings=settings), key, other_key)
    finally:
        await redis.aclose()
        broker.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    try:
        yield r
    finally:
        r.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(follow_redirects=False, trust_env=False) as client:
        yield client
