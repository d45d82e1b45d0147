"""Test infrastructure: a throwaway SecantusDB and Redis, started only for the tests that need them.

The `services` fixture starts both servers on free ports (unless
`CRM_TEST_MONGODB_URI` / `CRM_TEST_REDIS_URL` point at existing ones, e.g. a
real MongoDB) the first time a test asks for it (through `db`, `mongo_uri`,
`redis_url`, `redis_client` ...), exports `MONGODB_URI` / `REDIS_URL` so every
child process the tests start inherits them, and stops them at the end.

Every test that needs a server is marked ``services`` (done here, from its
fixtures; tests that start servers of their own carry the mark themselves), so
``make test-fast`` (``-m "not services"``) runs the pure tests without any.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from crm_devstack.processes import ProcessGroup, free_port, start_redis, start_secantus
from crm_shared.token_cipher import new_secret_key

# Partner API tokens are stored encrypted: the suite (and every process it starts) uses one throwaway key.
os.environ.setdefault("CRM_SECRET_KEY", new_secret_key())

#: Fixtures that start servers (MongoDB, Redis, the simulator, a gateway, a whole stack).
SERVER_FIXTURES = frozenset({"services", "sim", "gen_sim", "slow_bucket", "gateway", "stack", "served_gateway",
                             "worker"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())) or item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.services)


@pytest.fixture(scope="session")
def services() -> Iterator[dict[str, str]]:
    """MONGODB_URI and REDIS_URL of the servers the suite uses."""
    log_dir = Path(tempfile.mkdtemp(prefix="crm-test-logs-"))
    group = ProcessGroup(log_dir)
    try:
        mongo_uri = os.environ.get("CRM_TEST_MONGODB_URI") or start_secantus(group, free_port())
        redis_url = os.environ.get("CRM_TEST_REDIS_URL") or start_redis(group, free_port())
        os.environ["MONGODB_URI"] = mongo_uri
        os.environ["REDIS_URL"] = redis_url
        from crm_shared.settings import get_settings

        get_settings.cache_clear()
        yield {"mongodb_uri": mongo_uri, "redis_url": redis_url, "log_dir": str(log_dir)}
    finally:
        survivors = group.stop()
        assert not survivors, f"processes of the test services survived their stop: {survivors}"


@pytest.fixture(scope="session")
def mongo_uri(services: dict[str, str]) -> str:
    return services["mongodb_uri"]


@pytest.fixture(scope="session")
def redis_url(services: dict[str, str]) -> str:
    return services["redis_url"]


@pytest.fixture
async def db(mongo_uri: str) -> AsyncIterator[AsyncDatabase]:
    """A fresh, uniquely named database, dropped afterwards."""
    async for database in fresh_database(mongo_uri):
        yield database


async def fresh_database(mongo_uri: str) -> AsyncIterator[AsyncDatabase]:
    """Yield a uniquely named database on its own client; drop it and close the client afterwards."""
    client: AsyncMongoClient = AsyncMongoClient(mongo_uri, tz_aware=True)
    name = f"test_{uuid.uuid4().hex[:12]}"
    try:
        yield client[name]
    finally:
        await client.drop_database(name)
        await client.close()


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """A client on the test Redis, flushed before the test."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    try:
        yield client
    finally:
        client.close()
