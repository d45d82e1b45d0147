"""Gateway fixtures: one seeded database for read-only tests, an ASGI client, API keys of two organizations."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from bson import Decimal128
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from crm_gateway.app import create_app
from crm_gateway.indexes import ensure_indexes
from crm_gateway.list_index.manager import ListIndex
from crm_shared.mongo import APP_METRICS, APP_SUMMARIES, CUSTOMERS, PARTNER_TRANSACTIONS, SYNC_STATE
from crm_shared.store.registry import create_api_key, register_organization
from tests.gateway.factories import NOW, make_customer, make_metric, make_transaction

ORG_A, ORG_B = "1001", "2002"
APP_A1, APP_A2, APP_B = "gid://partners/App/101", "gid://partners/App/102", "gid://partners/App/201"
COUNTS = {APP_A1: 80, APP_A2: 20, APP_B: 20}


@dataclass
class Seeded:
    """The seeded database and what tests need to know about it."""

    db: AsyncDatabase
    key_a: str
    key_b: str
    customers: dict[str, list[dict[str, Any]]]


async def seed(db: AsyncDatabase) -> Seeded:
    """Two organizations, three apps, 120 customers, transactions, metrics and sync state."""
    await register_organization(db, ORG_A, "Acme Apps", "tok-a", [{"id": APP_A1, "name": "Ranky"},
                                                                   {"id": APP_A2, "name": "Shippy"}])
    await register_organization(db, ORG_B, "Other Org", "tok-b", [{"id": APP_B, "name": "Rival"}])
    key_a = await create_api_key(db, ORG_A, "tests")
    key_b = await create_api_key(db, ORG_B, "tests")
    customers: dict[str, list[dict[str, Any]]] = {}
    for app_id, count in COUNTS.items():
        rng = random.Random(app_id)
        customers[app_id] = [make_customer(app_id, n, rng) for n in range(1, count + 1)]
        await db[CUSTOMERS].insert_many(customers[app_id])
    shop = "gid://partners/Shop/1"
    txs = [make_transaction(APP_A1, shop, n, t, a, NOW - timedelta(days=40 - n))
           for n, (t, a) in enumerate([("AppSubscriptionSale", "29.00"), ("AppSubscriptionSale", "29.00"),
                                       ("AppUsageSale", "3.50"), ("AppSaleAdjustment", "-29.00"),
                                       ("AppOneTimeSale", "100.00"), ("AppSaleCredit", "-5.00"),
                                       ("AppSubscriptionSale", "79.50")], start=1)]
    txs.append(make_transaction(APP_B, shop, 99, "AppSubscriptionSale", "500.00", NOW - timedelta(days=2)))
    await db[PARTNER_TRANSACTIONS].insert_many(txs)
    metrics = []
    for d in range(40):
        day = (NOW - timedelta(days=40 - d)).replace(hour=0)
        metrics.append(make_metric(APP_A1, "USD", day, f"{1000 + 10 * d}.00", 40 + d, new="10.00",
                                   churn="-5.00", expansion="5.00"))
        metrics.append(make_metric(APP_A1, "EUR", day, f"{200 + d}.00", 10, new="1.00"))
    await db[APP_METRICS].insert_many(metrics)
    await db[APP_SUMMARIES].insert_one({"_id": APP_A1, "app_id": APP_A1, "computed_at": NOW,
                                        "cohorts": {"install_month": [{"cohort": "2026-01", "size": 5, "ever_paid": 2,
                                                                      "installed": [5], "paying": [2]}],
                                                    "first_paid_month": [{"cohort": "2026-01", "currency": "USD",
                                                                          "size": 2, "paying": [2],
                                                                          "mrr": [Decimal128("58.00")]}]}})
    await db[SYNC_STATE].insert_one({"_id": APP_A1, "app_id": APP_A1, "state": "IDLE", "last_synced_at": NOW,
                                     "last_error": None, "progress": None, "events_synced": 1234,
                                     "transactions_synced": 56})
    await ensure_indexes(db)
    return Seeded(db=db, key_a=key_a, key_b=key_b, customers=customers)


@pytest.fixture(scope="session")
async def seeded(mongo_uri: str) -> AsyncIterator[Seeded]:
    """A database seeded once for the read-only gateway tests."""
    client: AsyncMongoClient = AsyncMongoClient(mongo_uri, tz_aware=True)
    name = f"gw_{uuid.uuid4().hex[:10]}"
    try:
        yield await seed(client[name])
    finally:
        await client.drop_database(name)
        await client.close()


@pytest.fixture
async def fresh(db: AsyncDatabase) -> Seeded:
    """A freshly seeded database for tests that write (segments, sync triggers)."""
    return await seed(db)


def make_client(database: AsyncDatabase, redis_url: str | None = None, production: bool = False,
                list_index: ListIndex | None = None) -> httpx.AsyncClient:
    """An httpx client talking to a gateway app in-process (lists from MongoDB, or from `list_index`)."""
    app = create_app(db=database, redis_url=redis_url, clock=lambda: NOW, production=production,
                     create_indexes=False, list_index=list_index if list_index is not None else False)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test")


async def ready_index(database: AsyncDatabase, app_ids: list[str] | None = None) -> ListIndex:
    """A started list index on `database`, with every app (or `app_ids`) loaded."""
    index = ListIndex(lambda: database, max_bytes=1 << 30, check_seconds=0)
    await index.start()
    apps = app_ids if app_ids is not None else list(COUNTS)
    await wait_for(lambda: all(index.snapshot(a) is not None for a in apps), what="list index ready")
    return index


async def wait_for(condition: Any, timeout: float = 60.0, what: str = "condition") -> None:
    """Poll `condition` (sync or async) until true; fail after `timeout` seconds (a limit, not a sleep)."""
    import asyncio
    import inspect
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.fixture(params=["mongodb", "index"])
async def client(request: pytest.FixtureRequest, seeded: Seeded, redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A development-mode gateway on the shared seeded database, once answering lists from MongoDB and once
    from the list index (every read-only gateway test runs on both paths)."""
    index = await ready_index(seeded.db) if request.param == "index" else None
    try:
        async with make_client(seeded.db, redis_url, list_index=index) as c:
            yield c
    finally:
        if index is not None:
            await index.stop()


async def gql_post(client: httpx.AsyncClient, key: str | None, query: str,
                   variables: dict[str, Any] | None = None, **headers: str) -> httpx.Response:
    """POST one GraphQL request."""
    h = {"Authorization": f"Bearer {key}"} if key else {}
    h.update(headers)
    return await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=h)


async def gql_data(client: httpx.AsyncClient, key: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    """The `data` of a request that must succeed."""
    r = await gql_post(client, key, query, variables)
    body = r.json()
    assert r.status_code == 200 and "errors" not in body, body
    return body["data"]


async def gql_error(client: httpx.AsyncClient, key: str, query: str,
                    variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The first error of a request that must fail (never a 5xx)."""
    r = await gql_post(client, key, query, variables)
    assert r.status_code < 500, r.text
    body = r.json()
    assert body.get("errors"), body
    return body["errors"][0]


@pytest.fixture
async def gql_session(client: httpx.AsyncClient, seeded: Seeded) -> AsyncIterator[Any]:
    """A `gql` client session (organization A's key) on the in-process gateway."""
    from gql import Client
    from gql.transport.httpx import HTTPXAsyncTransport

    app = client._transport.app  # type: ignore[attr-defined]
    transport = HTTPXAsyncTransport(url="http://gateway.test/graphql", transport=httpx.ASGITransport(app=app),
                                    headers={"Authorization": f"Bearer {seeded.key_a}"})
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        yield session
