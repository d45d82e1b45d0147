"""Paging one stream (events or transactions) into MongoDB with a checkpoint per page.

A run's position lives in ``sync_state.streams.<name>``: ``mode``
("incremental" | "backfill", None when no run is in progress), ``range_start``
/ ``range_end`` (the whole run), ``window_start`` / ``window_end`` (the query
filters of the current window, so a cursor is always replayed with the query
that produced it), ``cursor`` (last edge of the last stored page), ``pages``,
``items``, ``newest_seen`` and ``watermark``.  Pages are fetched ahead while
earlier ones are being stored (up to `PAGES_AHEAD`), and the checkpoint is
written only after a page is stored, in order, so a SIGKILL at any point
resumes at the last stored page.
The watermark moves only when a run completes, to the newest timestamp seen.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.clock import parse_iso, to_iso
from crm_shared.errors import MalformedDataError
from crm_shared.logs import get_logger
from crm_shared.store import sync_state as state
from crm_sync import metrics
from crm_sync.client import Page
from crm_sync.store import StoreResult
from crm_sync.windows import Window, backfill_window, fraction, incremental_window, next_backfill_window

log = get_logger(__name__)
#: A progress event every this many pages of a stream (and at every window).
PROGRESS_EVERY_PAGES = 20

INCREMENTAL, BACKFILL = state.INCREMENTAL, state.BACKFILL
Document = dict[str, Any]
#: Pages a stream may have fetched beyond the one being stored.
PAGES_AHEAD = 4


async def _next_page(pages: asyncio.Queue[Page], fetcher: asyncio.Task[None]) -> Page:
    """The next fetched page, or the fetcher's error."""
    if pages.empty() and not fetcher.done():
        getter = asyncio.ensure_future(pages.get())
        try:
            await asyncio.wait({getter, fetcher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not getter.done():
                getter.cancel()  # takes nothing from the queue
        if getter.done() and not getter.cancelled():
            return getter.result()
    if pages.empty():
        fetcher.result()  # raises the fetch error
        raise RuntimeError("the page fetcher stopped before the last page")
    return pages.get_nowait()


@dataclass(frozen=True)
class StreamSpec:
    """How to fetch, parse and store one stream."""

    name: str
    fetch: Callable[[str | None, Window], Awaitable[Page]]
    parse: Callable[[str, Any], Document]
    store: Callable[[AsyncDatabase, list[Document], datetime], Awaitable[StoreResult]]
    time_field: str
    count_field: str
    count_stored: Callable[[AsyncDatabase, str], Awaitable[int]]  # the app's documents stored (its store's count)
    newest_first: bool
    stored_metric: Any


@dataclass(frozen=True)
class RunSettings:
    """Clock and sizes of a run."""

    now: Callable[[], datetime]
    overlap: timedelta
    window: timedelta
    floor: datetime


@dataclass
class StreamReport:
    """Totals of one stream over a call."""

    pages: int = 0
    items: int = 0
    inserted: int = 0
    malformed: int = 0


class StreamRunner:
    """Runs (or resumes) one stream of one app."""

    def __init__(
        self,
        db: AsyncDatabase,
        app_id: str,
        spec: StreamSpec,
        settings: RunSettings,
        notify: Callable[[list[str]], Awaitable[None]],
        on_progress: Callable[[str, float | None], float | None],
        guard: Callable[[], None],
    ) -> None:
        self.db, self.app_id, self.spec, self.settings = db, app_id, spec, settings
        self._notify, self._on_progress, self._guard = notify, on_progress, guard
        self.report = StreamReport()

    async def run(self, mode: str, since: str | None = None) -> StreamReport:
        """Resume a run in progress, then (unless it was the same kind) run the one asked for."""
        st = (await state.load(self.db, self.app_id)).get("streams", {}).get(self.spec.name, {})
        resumed = st.get("mode")
        if resumed and not (mode == BACKFILL and resumed == INCREMENTAL):
            st = await self._run(st)
            if resumed == mode:
                return self.report
        await self._run(self._new_run(mode, since, st.get("watermark")), fresh=True)
        return self.report

    def _new_run(self, mode: str, since: str | None, watermark: datetime | None) -> dict[str, Any]:
        s = self.settings
        if mode == INCREMENTAL:
            w = incremental_window(watermark, s.overlap)
            range_start, range_end = w.start, None
        else:
            range_start, range_end = since, to_iso(s.now())
            w = backfill_window(range_end, range_start, s.window, s.floor)
        return {"mode": mode, "range_start": range_start, "range_end": range_end, "window_start": w.start,
                "window_end": w.end, "cursor": None, "pages": 0, "items": 0, "newest_seen": None,
                "watermark": watermark}

    async def _run(self, run: dict[str, Any], fresh: bool = False) -> dict[str, Any]:
        if fresh:
            await state.checkpoint(self.db, self.app_id, self.spec.name, run)
        window = Window(run.get("window_start"), run.get("window_end"))
        while True:
            await self._walk(run, window)
            nxt = None
            if run["mode"] == BACKFILL:
                nxt = next_backfill_window(window, run.get("range_start"), self.settings.window, self.settings.floor)
            if nxt is None:
                break
            window = nxt
            run.update(window_start=window.start, window_end=window.end, cursor=None)
            await state.checkpoint(self.db, self.app_id, self.spec.name,
                                   {"window_start": window.start, "window_end": window.end, "cursor": None})
        watermark, newest = run.get("watermark"), run.get("newest_seen")
        if newest is not None and (watermark is None or newest > watermark):
            watermark = newest
        # A crash between a page's write and its checkpoint would leave the per-page increments short.
        stored = await self.spec.count_stored(self.db, self.app_id)
        await state.set_count(self.db, self.app_id, self.spec.count_field, stored)
        done = {"mode": None, "cursor": None, "window_start": None, "window_end": None, "newest_seen": None,
                "watermark": watermark, "progress": 1.0, "completed_at": self.settings.now()}
        self._on_progress(self.spec.name, 1.0)
        await state.checkpoint(self.db, self.app_id, self.spec.name, done)
        if watermark is not None:
            metrics.LAG.labels(self.app_id, self.spec.name).set((self.settings.now() - watermark).total_seconds())
        return {**run, **done}

    async def _walk(self, run: dict[str, Any], window: Window) -> None:
        """All pages of one window, from the stored cursor on.

        A fetcher task requests each page as soon as the previous one has arrived (its cursor is all it
        needs), up to `PAGES_AHEAD` pages ahead of storage, so a slow write never leaves a rate-limit
        slot unused; pages are stored and checkpointed in order here."""
        pages: asyncio.Queue[Page] = asyncio.Queue(maxsize=PAGES_AHEAD)
        fetcher = asyncio.create_task(self._fetch_ahead(run.get("cursor"), window, pages))
        try:
            while True:
                page = await _next_page(pages, fetcher)
                await self._store_page(run, window, page)
                if not (page.has_next_page and page.edges):
                    return
        finally:
            if not fetcher.done():
                fetcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await fetcher

    async def _fetch_ahead(self, cursor: str | None, window: Window, pages: asyncio.Queue[Page]) -> None:
        while True:
            page = await self.spec.fetch(cursor, window)
            await pages.put(page)
            if not (page.has_next_page and page.edges):
                return
            cursor = page.last_cursor

    async def _store_page(self, run: dict[str, Any], window: Window, page: Page) -> None:
        docs, malformed = [], 0
        for cursor, node in page.edges:
            try:
                docs.append(self.spec.parse(self.app_id, node))
            except MalformedDataError as exc:
                malformed += 1
                metrics.MALFORMED.labels(self.spec.name).inc()
                log.warning("sync.malformed_node", stream=self.spec.name, window=f"{window.start}..{window.end}",
                            cursor=cursor, error=str(exc), node=repr(node)[:500])
        self._guard()
        result = await self.spec.store(self.db, docs, self.settings.now())
        times = [d[self.spec.time_field] for d in docs]
        if times and (run.get("newest_seen") is None or max(times) > run["newest_seen"]):
            run["newest_seen"] = max(times)
        run["cursor"] = page.last_cursor or run.get("cursor")
        run["pages"] = int(run.get("pages") or 0) + 1
        run["items"] = int(run.get("items") or 0) + len(page.edges)
        progress = self._progress(run, window, min(times) if times else None)
        overall = self._on_progress(self.spec.name, progress)
        await state.checkpoint(
            self.db, self.app_id, self.spec.name,
            {"cursor": run["cursor"], "pages": run["pages"], "items": run["items"],
             "newest_seen": run["newest_seen"], "progress": progress},
            counts={self.spec.count_field: result.inserted, "malformed_count": malformed},
            progress=overall,
        )
        if run["pages"] % PROGRESS_EVERY_PAGES == 1:
            log.info("sync.progress", stream=self.spec.name, mode=run["mode"], pages=run["pages"], items=run["items"],
                     window=f"{window.start}..{window.end}", progress=progress, overall=overall)
        self.report.pages += 1
        self.report.items += len(page.edges)
        self.report.inserted += result.inserted
        self.report.malformed += malformed
        self.spec.stored_metric.labels(self.app_id).inc(len(docs))
        if result.shop_ids:
            await self._notify(sorted(result.shop_ids))

    def _progress(self, run: dict[str, Any], window: Window, oldest: datetime | None) -> float | None:
        """Share of the run's time range covered so far (None when unknown)."""
        if run["mode"] == BACKFILL:
            upper = parse_iso(run["range_end"])
            lower = parse_iso(run["range_start"]) if run.get("range_start") else self.settings.floor
            position = parse_iso(window.end) if window.end else upper
            if self.spec.newest_first and oldest is not None:
                position = min(position, oldest)
            return fraction(lower, upper, position)
        if not self.spec.newest_first:
            return None
        # An app's first sync has no lower bound: measure it against the backfill floor, an estimate of how far
        # back history can go (an app younger than that jumps to 1.0 when its oldest page has been read).
        lower = parse_iso(window.start) if window.start is not None else self.settings.floor
        return fraction(lower, run.get("newest_seen"), oldest)
