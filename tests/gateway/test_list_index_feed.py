"""The list index follows the stored truth: freshness, deletes, bursts, a lost resume token, MongoDB and gateway
restarts, the periodic check, the memory budget.  After each fault the index must equal the collection
(asserted row for row) and no list query may fail meanwhile."""

from __future__ import annotations

import asyncio
import random
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from bson import Decimal128
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from crm_devstack.processes import ProcessGroup, free_port, start_secantus
from crm_gateway.customer_listing import ListQuery, count_list, fetch_page
from crm_gateway.graphql.resolvers.customers import LIST_PROJECTION
from crm_gateway.indexes import ensure_indexes
from crm_gateway.list_index.frame import ID_KEY, LOAD_PROJECTION, SCHEMA, AppSnapshot, key_column
from crm_gateway.list_index.manager import ListIndex
from crm_gateway.metrics import Metrics
from crm_gateway.pagination.limits import PageRequest
from crm_gateway.sorting import SORT_FIELDS, make_sort
from crm_shared.mongo import APPS, CUSTOMERS
from tests.gateway.conftest import wait_for
from tests.gateway.factories import NOW, make_customer

APP1, APP2 = "gid://partners/App/11", "gid://partners/App/12"


async def seed_app(db: AsyncDatabase, app_id: str, n: int, start: int = 1) -> list[dict[str, Any]]:
    rng = random.Random(f"{app_id}{start}")
    docs = [make_customer(app_id, i, rng) for i in range(start, start + n)]
    if docs:
        await db[CUSTOMERS].insert_many(docs)
    await db[APPS].update_one({"_id": app_id}, {"$set": {"org_id": "1", "name": app_id}}, upsert=True)
    return docs


def data(snap: AppSnapshot) -> pl.DataFrame:
    """A snapshot's customer columns (order keys left out: they differ by the path taken, not by the data)."""
    return snap.frame.select(list(SCHEMA)).sort("_id")


def orders(snap: AppSnapshot) -> dict[str, list[str]]:
    """The _id order of every sort field by the snapshot's order keys."""
    return {f: snap.frame.sort([key_column(f), ID_KEY])["_id"].to_list() for f in SORT_FIELDS.values()}


async def equals_collection(index: ListIndex, db: AsyncDatabase, app_id: str) -> bool:
    """The index holds exactly the stored customers, and sorts them as a fresh build of them does."""
    snap = index.snapshot(app_id)
    if snap is None:
        return False
    docs = await db[CUSTOMERS].find({"app_id": app_id}, LOAD_PROJECTION).to_list()
    fresh = AppSnapshot.build(app_id, docs)
    return data(snap).equals(data(fresh)) and orders(snap) == orders(fresh)


async def converged(index: ListIndex, db: AsyncDatabase, app_id: str, timeout: float = 120.0) -> None:
    await wait_for(lambda: equals_collection(index, db, app_id), timeout=timeout, what=f"index of {app_id} converged")


async def started(db: AsyncDatabase, apps: list[str], **kw: Any) -> ListIndex:
    kw.setdefault("max_bytes", 1 << 30)
    kw.setdefault("check_seconds", 0)
    index = ListIndex(lambda: db, **kw)
    await index.start()
    await wait_for(lambda: all(index.snapshot(a) is not None for a in apps), what="apps loaded")
    return index


@pytest.fixture
async def index_db(db: AsyncDatabase) -> AsyncIterator[AsyncDatabase]:
    await ensure_indexes(db)
    await seed_app(db, APP1, 40)
    await seed_app(db, APP2, 10)
    yield db


async def test_loads_every_app_and_equals_the_collection(index_db: AsyncDatabase) -> None:
    index = await started(index_db, [APP1, APP2])
    try:
        assert await equals_collection(index, index_db, APP1)
        assert await equals_collection(index, index_db, APP2)
        status = index.status()
        assert status["ready"] == sorted([APP1, APP2]) and status["warming"] == [] and status["rows"] == 50
        assert status["bytes_per_customer"] > 0
    finally:
        await index.stop()


async def test_changes_show_within_bounded_time_and_deletes_disappear(index_db: AsyncDatabase) -> None:
    index = await started(index_db, [APP1])
    try:
        key = f"{APP1}|gid://partners/Shop/3"
        await index_db[CUSTOMERS].update_one({"_id": key}, {"$set": {"name": "Zzz Renamed", "name_lc": "zzz renamed",
                                                                    "mrr": Decimal128("999.00")}})
        new = make_customer(APP1, 500, random.Random(1), name="Brand New", name_lc="brand new")
        await index_db[CUSTOMERS].insert_one(new)
        await index_db[CUSTOMERS].delete_one({"_id": f"{APP1}|gid://partners/Shop/4"})

        def visible() -> bool:
            snap = index.snapshot(APP1)
            assert snap is not None
            ids = set(snap.frame["_id"].to_list())
            row = snap.frame.filter(pl.col("_id") == key)
            return (new["_id"] in ids and f"{APP1}|gid://partners/Shop/4" not in ids
                    and row["v_name_lc"].to_list() == ["zzz renamed"])

        await wait_for(visible, timeout=30, what="changes applied")
        await converged(index, index_db, APP1)
        # the list read through the normal path is the index's, and agrees with MongoDB's page
        q = ListQuery(APP1, {}, None, make_sort("MRR", "DESC"))
        page = await fetch_page(index_db, q, PageRequest(5, False, None), NOW, LIST_PROJECTION, index=index)
        oracle = await fetch_page(index_db, q, PageRequest(5, False, None), NOW, LIST_PROJECTION)
        assert [r["_id"] for r in page.rows] == [r["_id"] for r in oracle.rows]
        assert page.rows[0]["_id"] == key
    finally:
        await index.stop()


async def test_a_burst_of_ten_thousand_changes_converges_and_queries_never_fail(index_db: AsyncDatabase) -> None:
    index = await started(index_db, [APP1])
    failures: list[BaseException] = []
    stop = asyncio.Event()

    async def reader() -> None:
        q = ListQuery(APP1, {"status": ["ACTIVE", "TRIAL"]}, None, make_sort("LAST_ACTIVE_AT", "DESC"))
        while not stop.is_set():
            try:
                await fetch_page(index_db, q, PageRequest(20, False, None), NOW, LIST_PROJECTION, index=index)
                await count_list(index_db, q, NOW, index)
            except BaseException as exc:  # noqa: BLE001
                failures.append(exc)
            await asyncio.sleep(0.005)  # a reader beside the writer, not a busy loop starving it

    task = asyncio.create_task(reader())
    try:
        # Small documents (what a list needs): the burst is about the number of changes, not their size.
        docs = [{"_id": f"{APP1}|gid://partners/Shop/b{i}", "app_id": APP1, "shop_id": f"gid://partners/Shop/b{i}",
                 "name": f"Burst {i}", "name_lc": f"burst {i}", "status": "ACTIVE", "plan": "Basic",
                 "mrr": Decimal128(str(i % 50)), "currency": "USD", "is_test": False, "installed_at": NOW,
                 "search_terms": ["burst", str(i)], "computed_at": NOW, "burst": i % 2}
                for i in range(5000)]
        t0 = time.monotonic()
        for i in range(0, len(docs), 1000):
            await index_db[CUSTOMERS].insert_many(docs[i:i + 1000])
        t1 = time.monotonic()
        updated = await index_db[CUSTOMERS].update_many({"burst": 0},
                                                        {"$set": {"plan": "Wave", "mrr": Decimal128("7")}})
        deleted = await index_db[CUSTOMERS].delete_many({"burst": 1})
        changes = len(docs) + updated.modified_count + deleted.deleted_count
        assert changes >= 10_000
        t2 = time.monotonic()
        await converged(index, index_db, APP1, timeout=300)
        print(f"burst of {changes} changes: inserts {t1 - t0:.1f} s, updates and deletes {t2 - t1:.1f} s, "
              f"converged {time.monotonic() - t2:.1f} s after the last write")
    finally:
        stop.set()
        await task
        await index.stop()
    assert failures == []


async def test_an_invalid_resume_token_reloads_and_converges(index_db: AsyncDatabase) -> None:
    metrics = Metrics()
    index = await started(index_db, [APP1], metrics=metrics)
    try:
        await index.wait_caught_up()
        # The stream is reopened from a token the server does not know (as after a server lost its history).
        index.force_reopen(resume_token={"_data": "00" * 40})
        await index_db[CUSTOMERS].delete_one({"_id": f"{APP1}|gid://partners/Shop/5"})
        await converged(index, index_db, APP1)
        assert index.status()["following"]
        assert metrics.index_repairs.labels("stream restarted")._value.get() >= 1
    finally:
        await index.stop()


async def test_periodic_check_repairs_a_diverged_index(index_db: AsyncDatabase) -> None:
    metrics = Metrics()
    index = await started(index_db, [APP1], metrics=metrics)
    try:
        state = index.apps[APP1]
        assert state.snap is not None
        # a change the stream never delivered (e.g. written while the gateway was partitioned)
        state.snap = state.snap.apply({f"{APP1}|gid://partners/Shop/6": None})
        assert not await equals_collection(index, index_db, APP1)
        assert await index.check() == [APP1]
        await converged(index, index_db, APP1)
        assert metrics.index_repairs.labels("check")._value.get() == 1
        assert await index.check() == []  # agrees now: no more repairs
    finally:
        await index.stop()


async def test_a_restarted_gateway_loads_the_current_truth(index_db: AsyncDatabase) -> None:
    first = await started(index_db, [APP1])
    await first.stop()
    await index_db[CUSTOMERS].delete_many({"app_id": APP1, "status": "TRIAL"})
    second = await started(index_db, [APP1])
    try:
        assert await equals_collection(second, index_db, APP1)
    finally:
        await second.stop()


async def test_memory_budget_drops_least_recently_used_apps_and_reloads_on_demand(index_db: AsyncDatabase) -> None:
    probe = await started(index_db, [APP1, APP2])
    one_app = max(s.snap.nbytes for s in probe.apps.values() if s.snap is not None)
    await probe.stop()
    metrics = Metrics()
    index = ListIndex(lambda: index_db, max_bytes=int(one_app * 1.2), check_seconds=0, metrics=metrics, preload=False)
    await index.start()
    try:
        await wait_for(lambda: index.snapshot(APP1) is not None, what="app 1 loaded")
        await wait_for(lambda: index.snapshot(APP2) is not None, what="app 2 loaded")
        # loading app 2 pushed the total over the budget: app 1, least recently used, was dropped
        assert APP1 not in index.apps and index.total_bytes() <= int(one_app * 1.2)
        assert metrics.index_events.labels("evictions")._value.get() >= 1
        assert index.snapshot(APP1) is None  # first use after eviction warms it again (MongoDB path meanwhile)
        await wait_for(lambda: index.snapshot(APP1) is not None, what="app 1 reloaded")
        assert await equals_collection(index, index_db, APP1)
    finally:
        await index.stop()


async def test_an_index_never_started_serves_nothing(index_db: AsyncDatabase) -> None:
    index = ListIndex(lambda: index_db, max_bytes=1 << 30, check_seconds=0)
    assert index.snapshot(APP1) is None and index.apps == {}


def _stop(group: ProcessGroup) -> tuple[str, subprocess.Popen[bytes]]:
    name, proc = group.procs[0]
    group.stop_one(name, signal.SIGTERM, timeout=60)
    return name, proc


@pytest.mark.slow
@pytest.mark.services
async def test_mongodb_restart_converges_and_lists_keep_answering(tmp_path: Path) -> None:
    """A private SecantusDB on disk is stopped and started again on the same port while the index follows it;
    lists keep being served from the snapshot, and the index converges to what the restarted server holds."""
    group = ProcessGroup(tmp_path / "logs")
    port = free_port()
    storage = str(tmp_path / "mongo")
    uri = start_secantus(group, port, storage)
    client: AsyncMongoClient = AsyncMongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=2000)
    db = client["restart"]
    index: ListIndex | None = None
    try:
        await ensure_indexes(db)
        await seed_app(db, APP1, 30)
        index = await started(db, [APP1])
        _stop(group)
        q = ListQuery(APP1, {}, None, make_sort(None, None))
        page = await fetch_page(db, q, PageRequest(10, False, None), NOW, LIST_PROJECTION, index=index)
        assert len(page.rows) == 10 and await page.count() == 30 - sum(
            1 for d in await _docs_before(index) if d)  # served from the snapshot while MongoDB is down
        start_secantus(group, port, storage)
        await db[CUSTOMERS].delete_one({"_id": f"{APP1}|gid://partners/Shop/2"})
        await db[CUSTOMERS].insert_one(make_customer(APP1, 77, random.Random(3)))
        await converged(index, db, APP1, timeout=120)
    finally:
        if index is not None:
            await index.stop()
        await client.close()
        assert group.stop() == []


async def _docs_before(index: ListIndex) -> list[bool]:
    """Test shops of the snapshot (excluded from counts)."""
    snap = index.snapshot(APP1)
    assert snap is not None
    return [bool(x) for x in snap.frame["is_test"].to_list()]
