"""The gateway's list indexes: one `AppSnapshot` per app, loaded by one projected scan and kept equal to the
`customers` collection by a MongoDB change stream (`docs/list-index.md`).

- **Follow**: one change stream on `customers` (full documents looked up), its resume token kept.  Changes are
  grouped per app and applied as one new snapshot per batch (while a batch is being applied, the next one
  accumulates: that is the debounce under a rebuild storm).  When the stream cannot resume (history lost,
  server restarted, collection dropped) a fresh stream is opened and every loaded app is reloaded.
- **Load**: at start in the background, and on first use of an app added later; until an app is ready its
  lists use the MongoDB path.  A reload keeps serving the previous snapshot, and changes that arrive during a
  scan are applied to the new snapshot too, so nothing is lost between the scan and the stream.
- **Check**: every `GATEWAY_LIST_INDEX_CHECK_SECONDS`, each app's count and newest `computed_at` are compared
  with MongoDB's; a disagreement that survives the stream catching up triggers a reload, counted in
  `crm_list_index_repairs_total`.
- **Memory**: beyond `GATEWAY_LIST_INDEX_MAX_MB` the least recently used apps are dropped (reloaded on demand).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure, PyMongoError

from crm_gateway.list_index.frame import LOAD_PROJECTION, AppSnapshot, IndexDataError, datetime_ms
from crm_shared.store import customers, registry

log = logging.getLogger("crm_gateway.list_index")

BIG = 20_000  # snapshots with more rows are queried and rebuilt in a worker thread (Polars releases the GIL)
LOAD_BATCH = 2_000
RETRY_FAILED_LOAD_SECONDS = 30.0


@dataclass
class AppIndexState:
    """What the gateway knows of one app's index."""

    app_id: str
    snap: AppSnapshot | None = None
    loading: bool = False
    load_task: asyncio.Task[None] | None = None
    pending: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    load_buffer: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_used: float = 0.0
    failed_at: float | None = None
    error: str | None = None
    loaded_at: float | None = None
    load_seconds: float | None = None


class ListIndex:
    """Per-app list snapshots for one gateway process."""

    def __init__(
        self,
        db: Callable[[], AsyncDatabase],
        max_bytes: int,
        check_seconds: float,
        metrics: Any | None = None,
        preload: bool = True,
    ) -> None:
        self._db = db
        self.max_bytes = max_bytes
        self.check_seconds = check_seconds
        self.metrics = metrics
        self.preload = preload
        self.apps: dict[str, AppIndexState] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._stream_open = asyncio.Event()
        self._polls = 0  # empty polls of the stream (each means: caught up)
        self._poll_event = asyncio.Event()
        self._stopping = False
        self.started = False  # an index never started serves nothing (lists use MongoDB)
        self._token: Any = None  # the change stream's resume token
        self._reopen = asyncio.Event()
        self.unavailable: str | None = None  # why the change stream cannot be followed, if it cannot

    # ---- lifecycle -------------------------------------------------------------------------------------
    async def start(self) -> None:
        """Start following the change stream, then warm every registered app in the background."""
        self.started = True
        self._tasks.append(asyncio.create_task(self._follow(), name="list-index-follow"))
        if self.preload:
            self._tasks.append(asyncio.create_task(self._preload(), name="list-index-preload"))
        if self.check_seconds > 0:
            self._tasks.append(asyncio.create_task(self._check_loop(), name="list-index-check"))

    async def stop(self) -> None:
        self._stopping = True
        tasks = self._tasks + [s.load_task for s in self.apps.values() if s.load_task is not None]
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self._tasks.clear()

    # ---- reading ---------------------------------------------------------------------------------------
    def snapshot(self, app_id: str) -> AppSnapshot | None:
        """The app's current snapshot, or None while it warms (its first use starts loading it)."""
        if not self.started or self._stopping:
            return None
        state = self.apps.get(app_id)
        if state is None:
            state = self.apps[app_id] = AppIndexState(app_id)
        state.last_used = time.monotonic()
        if state.snap is None and not state.loading:
            if state.failed_at is None or time.monotonic() - state.failed_at > RETRY_FAILED_LOAD_SECONDS:
                self._start_load(state)
        return state.snap

    def status(self) -> dict[str, Any]:
        """What /readyz shows: ready and warming apps, failures, memory."""
        ready = sorted(a for a, s in self.apps.items() if s.snap is not None)
        warming = sorted(a for a, s in self.apps.items() if s.snap is None and s.loading)
        failed = {a: s.error for a, s in self.apps.items() if s.snap is None and not s.loading and s.error}
        total = self.total_bytes()
        rows = sum(s.snap.height for s in self.apps.values() if s.snap is not None)
        return {
            "following": self._stream_open.is_set() and self.unavailable is None,
            "unavailable": self.unavailable,
            "ready": ready,
            "warming": warming,
            "failed": failed,
            "rows": rows,
            "bytes": total,
            "bytes_per_customer": round(total / rows, 1) if rows else None,
            "max_bytes": self.max_bytes,
        }

    def total_bytes(self) -> int:
        return sum(s.snap.nbytes for s in self.apps.values() if s.snap is not None)

    async def wait_caught_up(self, timeout: float = 30.0) -> None:
        """Wait until the change stream has come back empty twice (everything before the call is applied)."""
        deadline = time.monotonic() + timeout
        target = self._polls + 2
        while self._polls < target:
            self._poll_event.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("list index change stream did not catch up")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._poll_event.wait(), remaining)

    # ---- loading ---------------------------------------------------------------------------------------
    def _start_load(self, state: AppIndexState) -> None:
        state.loading = True
        state.load_buffer = {}
        state.load_task = asyncio.create_task(self._load(state), name=f"list-index-load {state.app_id}")

    async def _preload(self) -> None:
        try:
            await self._wait_stream()
            app_ids = await registry.all_app_ids(self._db())
        except Exception as exc:  # noqa: BLE001 - apps then load on first use
            log.warning("list index: could not list apps to preload: %s", exc)
            return
        for app_id in app_ids:
            state = self.apps.setdefault(app_id, AppIndexState(app_id))
            if state.snap is None and not state.loading:
                state.last_used = state.last_used or time.monotonic()
                self._start_load(state)
                if state.load_task is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.shield(state.load_task)

    async def _wait_stream(self) -> None:
        await self._stream_open.wait()

    async def _load(self, state: AppIndexState) -> None:
        """One projected scan of the app's customers → a snapshot; changes seen meanwhile applied on top."""
        started = time.monotonic()
        try:
            await self._wait_stream()
            docs = await customers.load_app(self._db(), state.app_id, LOAD_PROJECTION, LOAD_BATCH)
            snap = await asyncio.to_thread(AppSnapshot.build, state.app_id, docs)
            del docs
            async with state.lock:
                while state.load_buffer:
                    batch, state.load_buffer = state.load_buffer, {}
                    snap = await self._run(snap.height, snap.apply, batch)
                state.snap = snap
                state.loading = False
            state.failed_at = None
            state.error = None
            state.loaded_at = time.time()
            state.load_seconds = time.monotonic() - started
            self._count("loads")
            log.info("list index: %s loaded, %d customers in %.2f s", state.app_id, snap.height, state.load_seconds)
            self._evict(keep=state.app_id)
            self._gauges()
        except asyncio.CancelledError:
            state.loading = False
            raise
        except (PyMongoError, IndexDataError, Exception) as exc:  # noqa: BLE001 - the MongoDB path keeps serving
            state.loading = False
            state.failed_at = time.monotonic()
            state.error = f"{type(exc).__name__}: {exc}"
            self._count("load_failures")
            log.warning("list index: loading %s failed (%s); its lists use MongoDB", state.app_id, state.error)

    async def reload(self, app_id: str, reason: str) -> None:
        """Rebuild an app's snapshot from a fresh scan (the old one serves meanwhile)."""
        state = self.apps.get(app_id)
        if state is None or state.loading:
            return
        self._count("repairs", reason)
        log.warning("list index: reloading %s (%s)", app_id, reason)
        self._start_load(state)

    def _evict(self, keep: str) -> None:
        total = self.total_bytes()
        if total <= self.max_bytes:
            return
        for state in sorted(self.apps.values(), key=lambda s: s.last_used):
            if total <= self.max_bytes:
                break
            if state.app_id == keep or state.snap is None or state.loading:
                continue
            total -= state.snap.nbytes
            log.info("list index: evicting %s (memory budget %d bytes)", state.app_id, self.max_bytes)
            del self.apps[state.app_id]
            self._count("evictions")

    # ---- following ---------------------------------------------------------------------------------------
    def force_reopen(self, resume_token: Any = None) -> None:
        """Close the change stream and reopen it from `resume_token` (for fault tests and operators)."""
        self._token = resume_token
        self._reopen.set()

    async def _follow(self) -> None:
        failures = 0
        while not self._stopping:
            try:
                self._reopen.clear()
                async with await customers.watch(self._db(), resume_after=self._token,
                                                 max_await_time_ms=200) as stream:
                    reopened_fresh = self._token is None and self._stream_open.is_set()
                    self._stream_open.set()
                    self.unavailable = None
                    failures = 0
                    if reopened_fresh:
                        self._reload_all("stream restarted")
                    while True:
                        change = await stream.try_next()
                        if change is not None and self._route(change):
                            self._token = None  # invalidated: the next stream starts fresh
                            break
                        if self._reopen.is_set():
                            break  # force_reopen chose the token to reopen from
                        if change is not None:
                            self._token = change["_id"]
                            continue
                        self._token = stream.resume_token or self._token
                        await self._flush()
                        self._polls += 1
                        self._poll_event.set()
            except asyncio.CancelledError:
                raise
            except OperationFailure as exc:
                if self._token is not None:
                    # The resume token is unknown or its history is gone: start fresh, then reload every app.
                    log.warning("list index: change stream cannot resume (%s); reloading", exc)
                    self._token = None
                    continue
                # No change stream at all (e.g. a standalone MongoDB): lists stay on the MongoDB path.
                failures += 1
                self.unavailable = str(exc)
                log.warning("list index: change stream unavailable (%s); lists use MongoDB", exc)
                await asyncio.sleep(min(30.0, 0.5 * 2 ** min(failures, 6)))
            except PyMongoError as exc:
                failures += 1
                log.warning("list index: change stream error (%s); retrying", exc)
                await asyncio.sleep(min(5.0, 0.1 * 2 ** min(failures, 6)) * (0.5 + random.random()))
            except Exception:  # noqa: BLE001 - a bug must not stop the index from following: reload and go on
                failures += 1
                log.exception("list index: unexpected error while following; reloading every app")
                self._count("follow_errors")
                self._token = None
                await asyncio.sleep(min(5.0, 0.1 * 2 ** min(failures, 6)))

    def _reload_all(self, reason: str) -> None:
        for app_id, state in list(self.apps.items()):
            if state.snap is not None:
                state.pending.clear()
                asyncio.get_running_loop().create_task(self.reload(app_id, reason))

    def _route(self, change: dict[str, Any]) -> bool:
        """Queue one change for its app; True when the stream was invalidated."""
        op = change.get("operationType")
        if op in ("invalidate", "drop", "dropDatabase", "rename"):
            self._reload_all(f"collection {op}")
            return op == "invalidate"
        key = (change.get("documentKey") or {}).get("_id")
        if not isinstance(key, str):
            return False
        doc = change.get("fullDocument") if op in ("insert", "update", "replace") else None
        app_id = doc.get("app_id") if isinstance(doc, dict) else key.split("|", 1)[0]
        state = self.apps.get(app_id) if isinstance(app_id, str) else None
        if state is None:
            return False
        state.pending[key] = doc
        if state.loading:
            state.load_buffer[key] = doc
        return False

    async def _flush(self) -> None:
        for state in list(self.apps.values()):
            if not state.pending or state.snap is None:
                if state.snap is None and not state.loading:
                    state.pending.clear()
                continue
            async with state.lock:
                batch, state.pending = state.pending, {}
                if state.snap is None:
                    continue
                started = time.monotonic()
                try:
                    state.snap = await self._run(state.snap.height, state.snap.apply, batch)
                except Exception as exc:  # noqa: BLE001 - the app falls back to MongoDB until reloaded
                    log.exception("list index: applying changes to %s failed; reloading it", state.app_id)
                    state.snap = None
                    state.error = f"{type(exc).__name__}: {exc}"
                    self._count("apply_failures")
                    self._start_load(state)
                    continue
                self._observe_apply(len(batch), time.monotonic() - started)
            self._evict(keep=state.app_id)
        self._gauges()

    # ---- checking ----------------------------------------------------------------------------------------
    async def _check_loop(self) -> None:
        while not self._stopping:
            await asyncio.sleep(self.check_seconds)
            with contextlib.suppress(PyMongoError, TimeoutError):
                await self.check()

    async def check(self) -> list[str]:
        """Compare each ready app with MongoDB (count, newest computed_at); reload those that disagree."""
        repaired = []
        for app_id in [a for a, s in self.apps.items() if s.snap is not None and not s.loading]:
            if not await self._agrees(app_id):
                await self.wait_caught_up()
                if not await self._agrees(app_id):
                    await self.reload(app_id, "check")
                    repaired.append(app_id)
        return repaired

    async def _agrees(self, app_id: str) -> bool:
        state = self.apps.get(app_id)
        if state is None or state.snap is None:
            return True
        snap = state.snap
        count = await customers.count(self._db(), app_id)
        newest = await customers.newest_computed_at(self._db(), app_id)
        newest_ms = datetime_ms(newest) if newest is not None else None
        return count == snap.height and newest_ms == snap.max_computed_ms

    # ---- helpers ---------------------------------------------------------------------------------------
    @staticmethod
    async def _run(rows: int, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(fn, *args) if rows > BIG else fn(*args)

    def _count(self, what: str, reason: str = "") -> None:
        if self.metrics is not None:
            self.metrics.list_index_event(what, reason)

    def _observe_apply(self, changes: int, seconds: float) -> None:
        if self.metrics is not None:
            self.metrics.list_index_apply(changes, seconds)

    def _gauges(self) -> None:
        if self.metrics is not None:
            self.metrics.list_index_size(self.total_bytes(),
                                         sum(s.snap.height for s in self.apps.values() if s.snap is not None))
