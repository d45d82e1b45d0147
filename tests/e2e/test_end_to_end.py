"""The walking skeleton end to end: real processes (simulator, both workers,
schedulers, gateway) against the suite's SecantusDB and Redis, a small
scenario, a sync, and the answer read back through GraphQL with `gql`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport
from pymongo import AsyncMongoClient

from crm_devstack.processes import free_port
from crm_devstack.stack import RunningStack, StackConfig, start_stack
from crm_shared.store.registry import create_api_key, register_organization

pytestmark = pytest.mark.e2e

SCENARIO = Path(__file__).with_name("scenario_small.json")
APP = "gid://partners/App/101"
KEY = "crm_e2e_test_key_0123456789"

# Worked out by hand from the scenario with the rules of docs/customer-rules.md, at now = 2026-03-01.
EXPECTED = {
    "gid://partners/Shop/1": ("ACTIVE", "Pro", "29.00", "58.00"),        # 30-day plan, two sales
    "gid://partners/Shop/2": ("ACTIVE", "Annual", "20.00", "240.00"),    # annual 240 / 12
    "gid://partners/Shop/3": ("CANCELLED", "Basic", "0.00", "10.00"),    # cancelled
    "gid://partners/Shop/4": ("UNINSTALLED", "Starter", "0.00", "15.00"),  # uninstall without cancel
    "gid://partners/Shop/5": ("FREE", "Free", "0.00", "0.00"),           # never subscribed
    "gid://partners/Shop/6": ("TRIAL", "Pro", "0.00", "0.00"),           # 14-day trial still running
}

CUSTOMERS = (
    """
    query Customers($app: ID!, $after: String) {
      app(id: $app) {
        syncStatus { state lastSyncedAt eventsSynced transactionsSynced }
        customers(first: 4, after: $after) {
          totalCount
          pageInfo { hasNextPage endCursor }
          edges { node { shopId name status plan mrr { amount currencyCode } lifetimeValue { amount currencyCode } } }
        }
      }
    }
    """
)


@pytest.fixture(scope="module")
def stack(services: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    config = StackConfig(
        data_dir=tmp_path_factory.mktemp("stack"),
        gateway_port=free_port(),
        sim_port=free_port(),
        scenario=SCENARIO,
        mongodb_uri=services["mongodb_uri"],
        redis_url=None,  # a Redis of its own: nothing queued by another stack reaches its workers
        bootstrap_api_key=KEY,
        extra_env={"MONGODB_DB": "e2e_" + str(free_port())},
    )
    running = start_stack(config)
    try:
        yield running
    finally:
        survivors = running.stop()
        assert not survivors, f"processes of the stack survived its stop: {survivors}"


def _client(stack: RunningStack, key: str | None) -> Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return Client(transport=HTTPXAsyncTransport(url=stack.graphql_url, headers=headers, timeout=30))


async def _all_customers(stack: RunningStack) -> tuple[dict[str, Any], dict[str, tuple[str, str, str, str]]]:
    """Every customer of the app, walking the pages with keyset cursors."""
    rows: dict[str, tuple[str, str, str, str]] = {}
    after = None
    async with _client(stack, KEY) as session:
        while True:
            result = await session.execute(GraphQLRequest(CUSTOMERS, variable_values={"app": APP, "after": after}))
            app = result["app"]
            for edge in app["customers"]["edges"]:
                n = edge["node"]
                assert n["shopId"] not in rows, "a page repeated a customer"
                rows[n["shopId"]] = (n["status"], n["plan"], n["mrr"]["amount"], n["lifetimeValue"]["amount"])
            if not app["customers"]["pageInfo"]["hasNextPage"]:
                return app, rows
            after = app["customers"]["pageInfo"]["endCursor"]


def _partner_api_requests(stack: RunningStack) -> int:
    """How many requests the simulator has answered (its request log)."""
    return len(httpx.get(stack.env["PARTNER_API_URL"] + "/_admin/requests", timeout=30).json())


async def _wait_until_synced(stack: RunningStack, min_requests: int = 0, timeout: float = 240) -> dict[str, Any]:
    """Poll GraphQL until a sync finished (one that made more than `min_requests`
    Partner API calls in all) and every shop is derived correctly."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            app, rows = await _all_customers(stack)
            last = (app["syncStatus"], rows)
            status = app["syncStatus"]
            if status["state"] == "IDLE" and status["lastSyncedAt"] and rows == EXPECTED \
                    and _partner_api_requests(stack) > min_requests:
                return app
        except (TransportQueryError, OSError) as exc:  # gateway still starting, app not yet registered
            last = repr(exc)
        await asyncio.sleep(1.0)
    raise AssertionError(f"stack did not converge; last seen: {last}")


async def _raw_counts(stack: RunningStack) -> tuple[int, int, int]:
    client: AsyncMongoClient = AsyncMongoClient(stack.env["MONGODB_URI"])
    try:
        db = client[stack.env["MONGODB_DB"]]
        return (
            await db.partner_events.count_documents({}),
            await db.partner_transactions.count_documents({}),
            await db.customers.count_documents({}),
        )
    finally:
        await client.close()


async def test_sync_makes_every_shop_appear_with_status_plan_mrr_and_ltv(stack: RunningStack) -> None:
    app = await _wait_until_synced(stack)
    assert app["customers"]["totalCount"] == len(EXPECTED)
    assert await _raw_counts(stack) == (13, 5, 6)


async def test_syncing_twice_changes_nothing(stack: RunningStack) -> None:
    await _wait_until_synced(stack)
    before = await _raw_counts(stack)
    requests_before = _partner_api_requests(stack)
    async with _client(stack, KEY) as session:
        result = await session.execute(
            GraphQLRequest("mutation($app: ID!) { triggerSync(appId: $app) { state } }", variable_values={"app": APP})
        )
    assert result["triggerSync"]["state"] in {"QUEUED", "RUNNING"}
    # The second sync really talks to the Partner API again, then settles on the same data.
    await _wait_until_synced(stack, min_requests=requests_before)
    assert await _raw_counts(stack) == before


async def test_request_without_a_key_sees_nothing(stack: RunningStack) -> None:
    async with _client(stack, None) as session:
        with pytest.raises(TransportQueryError) as err:
            await session.execute(gql("{ apps { id } }"))
    assert err.value.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "Ranky" not in str(err.value)


async def test_another_organizations_key_sees_nothing(stack: RunningStack) -> None:
    client: AsyncMongoClient = AsyncMongoClient(stack.env["MONGODB_URI"], tz_aware=True)
    try:
        db = client[stack.env["MONGODB_DB"]]
        await register_organization(db, "7654321", "Other Org", "prtapi_other",
                                    [{"id": "gid://partners/App/999", "name": "Other App"}])
        other_key = await create_api_key(db, "7654321", name="other")
    finally:
        await client.close()
    await _wait_until_synced(stack)
    async with _client(stack, other_key) as session:
        apps = await session.execute(gql("{ apps { id name } }"))
        assert apps["apps"] == [{"id": "gid://partners/App/999", "name": "Other App"}]
        try:
            result = await session.execute(GraphQLRequest(CUSTOMERS, variable_values={"app": APP, "after": None}))
            assert result["app"] is None
        except TransportQueryError as exc:  # NOT_FOUND is as acceptable as null; leaking is not
            assert exc.errors[0]["extensions"]["code"] == "NOT_FOUND"
            assert "Alpha" not in str(exc)
