"""A stream fetches pages ahead of a slow store (bounded), stores them in order, and fails cleanly."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from crm_shared.errors import RetryableError
from crm_shared.mongo import PARTNER_EVENTS
from crm_shared.store import partner_events
from crm_sync import metrics
from crm_sync.client import Page
from crm_sync.parse import parse_event
from crm_sync.store import StoreResult, store_events
from crm_sync.streams import INCREMENTAL, PAGES_AHEAD, RunSettings, StreamRunner, StreamSpec
from crm_sync.windows import Window
from tests.sync.harness import sync_state
from tests.sync.nodes import APP, install_event

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
PAGES = 8


def _page(n: int) -> Page:
    """Page n (1-based) of PAGES, one event each, newest first."""
    event = install_event(at=f"2026-02-{20 - n:02d}T00:00:00Z", shop_n=n)
    return Page([(f"c{n}", event)], n < PAGES)


def _runner(db: Any, log: list[tuple[str, int]], store_delay: float, fail_fetch_at: int | None = None,
            fail_store_at: int | None = None) -> StreamRunner:
    async def fetch(after: str | None, window: Window) -> Page:
        n = 1 if after is None else int(after[1:]) + 1
        log.append(("fetched", n))
        if n == fail_fetch_at:
            raise RetryableError("Partner API unreachable")
        return _page(n)

    async def store(db: Any, docs: list[dict[str, Any]], now: datetime) -> StoreResult:
        n = int(docs[0]["shop_id"].rsplit("/", 1)[1])  # page n holds shop n
        if n == fail_store_at:
            raise RetryableError("MongoDB unavailable")
        await asyncio.sleep(store_delay)
        result = await store_events(db, docs, now)
        log.append(("stored", n))
        return result

    spec = StreamSpec(name="events", fetch=fetch, parse=parse_event, store=store, time_field="occurred_at",
                      count_field="events_synced", count_stored=partner_events.count, newest_first=True,
                      stored_metric=metrics.EVENTS_STORED)
    settings = RunSettings(now=lambda: NOW, overlap=timedelta(days=3), window=timedelta(days=90),
                           floor=NOW - timedelta(days=3650))

    async def notify(shop_ids: list[str]) -> None:
        pass

    return StreamRunner(db, APP, spec, settings, notify, lambda s, p: p, lambda: None)


async def test_a_slow_store_does_not_hold_back_fetching(db) -> None:
    log: list[tuple[str, int]] = []
    report = await _runner(db, log, store_delay=0.2).run(INCREMENTAL)
    assert report.pages == PAGES and report.items == PAGES
    assert [n for kind, n in log if kind == "fetched"] == list(range(1, PAGES + 1))
    assert [n for kind, n in log if kind == "stored"] == list(range(1, PAGES + 1))  # in order
    # While page 1 was being stored, the pages after it were fetched: the page in hand, PAGES_AHEAD
    # queued and one more waiting for room in the queue; never more.
    first_stored = log.index(("stored", 1))
    assert sum(kind == "fetched" for kind, _ in log[:first_stored]) == 1 + PAGES_AHEAD + 1
    fetched = stored = 0
    for kind, _ in log:
        fetched, stored = fetched + (kind == "fetched"), stored + (kind == "stored")
        assert fetched - stored <= PAGES_AHEAD + 2
    st = await sync_state(db, APP)
    assert st["streams"]["events"]["cursor"] is None and st["events_synced"] == PAGES


async def test_a_failed_fetch_surfaces_after_the_pages_before_it_are_stored(db) -> None:
    log: list[tuple[str, int]] = []
    with pytest.raises(RetryableError, match="unreachable"):
        await _runner(db, log, store_delay=0.05, fail_fetch_at=4).run(INCREMENTAL)
    assert [n for kind, n in log if kind == "stored"] == [1, 2, 3]
    st = await sync_state(db, APP)
    assert st["streams"]["events"]["cursor"] == "c3"  # the next call resumes after page 3
    assert await db[PARTNER_EVENTS].count_documents({}) == 3


async def test_a_failed_store_stops_the_fetcher(db) -> None:
    log: list[tuple[str, int]] = []
    with pytest.raises(RetryableError, match="MongoDB"):
        await _runner(db, log, store_delay=0.05, fail_store_at=2).run(INCREMENTAL)
    # The fetcher stopped with the run: no task of it is left to fetch anything more.
    left = {task.get_coro().__qualname__ for task in asyncio.all_tasks()}  # type: ignore[union-attr]
    assert not left & {"StreamRunner._fetch_ahead", "Queue.get"}
    st = await sync_state(db, APP)
    assert st["streams"]["events"]["cursor"] == "c1"
