"""Hostile-input fixtures: a real gateway process (uvicorn, production mode) on a database seeded with two
organizations by the gateway suite's own `seed`, and the secrets of organization A that B must never see."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pymongo import AsyncMongoClient

from crm_devstack.processes import ProcessGroup, free_port, start_gateway
from crm_gateway.graphql.types.node import customer_global_id
from crm_shared.mongo import PARTNER_TRANSACTIONS
from tests.gateway.conftest import APP_A1, APP_A2, APP_B, Seeded, seed
from tests.gateway.factories import NOW

# A Redis database number no other suite uses: the gateway's triggerSync / profile messages land there and
# no worker of another test consumes them.
ISOLATED_REDIS_DB = 11


@dataclass
class Tenants:
    """What each organization owns in the seeded database."""

    seeded: Seeded
    a_app_ids: list[str]
    b_app_ids: list[str]
    a_customer_ids: list[str]   # global (node) ids
    b_customer_ids: list[str]
    a_secrets: set[str]         # strings only organization A's data contains
    a_transaction_ids: list[str]


@dataclass
class Gateway:
    """A gateway process and its base URL."""

    base_url: str
    tenants: Tenants
    log: Path

    @property
    def graphql_url(self) -> str:
        return self.base_url + "/graphql"


def isolated_redis(redis_url: str) -> str:
    """`redis_url` pointing at the database number reserved for these tests."""
    base = redis_url.rsplit("/", 1)[0] if redis_url.count("/") > 2 else redis_url
    return f"{base}/{ISOLATED_REDIS_DB}"


def _tenants(seeded: Seeded, tx_ids: list[str]) -> Tenants:
    a_docs = seeded.customers[APP_A1] + seeded.customers[APP_A2]
    b_docs = seeded.customers[APP_B]
    b_strings = {d["name"] for d in b_docs} | {d["domain"] for d in b_docs} | {d["email"] for d in b_docs if d["email"]}
    a_strings = {d["name"] for d in a_docs} | {d["domain"] for d in a_docs} | {d["email"] for d in a_docs if d["email"]}
    return Tenants(
        seeded=seeded,
        a_app_ids=[APP_A1, APP_A2],
        b_app_ids=[APP_B],
        a_customer_ids=[customer_global_id(d["_id"]) for d in a_docs],
        b_customer_ids=[customer_global_id(d["_id"]) for d in b_docs],
        a_secrets=(a_strings - b_strings) | {"Ranky", "Shippy", "Acme Apps"},
        a_transaction_ids=tx_ids,
    )


@pytest.fixture(scope="session")
async def tenants(mongo_uri: str) -> AsyncIterator[Tenants]:
    """Two organizations seeded once (the gateway suite's data), dropped at the end."""
    client: AsyncMongoClient = AsyncMongoClient(mongo_uri, tz_aware=True)
    name = f"hostile_{uuid.uuid4().hex[:10]}"
    try:
        seeded = await seed(client[name])
        tx_ids = [d["_id"] async for d in seeded.db[PARTNER_TRANSACTIONS].find({"app_id": {"$in": [APP_A1, APP_A2]}})]
        yield _tenants(seeded, tx_ids)
    finally:
        await client.drop_database(name)
        await client.close()


@pytest.fixture(scope="session")
def gateway(tenants: Tenants, mongo_uri: str, redis_url: str,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """`python -m crm_gateway serve` in production mode on the seeded database, clock frozen at the seed's NOW."""
    group = ProcessGroup(tmp_path_factory.mktemp("hostile-gateway"))
    port = free_port()
    env = {
        "MONGODB_URI": mongo_uri,
        "MONGODB_DB": tenants.seeded.db.name,
        "REDIS_URL": isolated_redis(redis_url),
        "CRM_ENV": "production",
        "CRM_NOW": NOW.isoformat(),
        "LOG_LEVEL": "WARNING",
    }
    try:
        start_gateway(group, port, env)
        yield Gateway(base_url=f"http://127.0.0.1:{port}", tenants=tenants, log=group.log_dir / "gateway.log")
    finally:
        survivors = group.stop()
        assert not survivors, f"processes of the gateway survived its stop: {survivors}"


@pytest.fixture
def http(gateway: Gateway) -> Iterator[httpx.Client]:
    """A plain synchronous HTTP client on the gateway process."""
    with httpx.Client(base_url=gateway.base_url, timeout=60) as client:
        yield client


def auth(key: str) -> dict[str, str]:
    """The Authorization header of `key`."""
    return {"Authorization": f"Bearer {key}"}
