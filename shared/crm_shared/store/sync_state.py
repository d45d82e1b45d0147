"""The `sync_state` collection: one document per app, its states and the moves between them.

The only code that reads or writes `sync_state`.  The gateway marks a request
(`mark_queued`), the sync worker marks its runs (`mark_running`, `renew`,
`checkpoint`, `mark_idle`, `mark_failed`), the analytics worker asks whether an
import runs (`import_in_progress`).

States and moves (`MOVES`; anything else is refused)::

    (no document), IDLE, QUEUED, FAILED ──mark_queued──> QUEUED    a sync was requested
    RUNNING whose run is dead ─────────────mark_queued──> QUEUED   (its lease expired: the worker died)
    RUNNING whose run is alive ────────────mark_queued──> refused: the run stays RUNNING and the
                                                         request waits for its lease (an import keeps
                                                         holding rebuilds back)
    any ───────────────────────────────────mark_running─> RUNNING  the caller holds the app's sync lease
    RUNNING (the same run) ────────────────mark_idle────> IDLE     the run completed
    RUNNING (the same run) ────────────────mark_failed──> FAILED   the run stopped on an error

Document (``_id`` = app id)::

    app_id, state, queued_at, started_at, last_synced_at (the clock of the services, `CRM_NOW` when frozen),
    last_error, last_error_permanent, progress (0.0–1.0 or None), events_synced, transactions_synced,
    malformed_count,
    run: {id, kind ("incremental" | "backfill"), since, started_at, lease_expires_at, outcome}   the current or
         last run; wall-clock times (leases expire in real time); lease_expires_at is None and outcome
         "completed" or "failed" once the run ended
    streams: {"events": StreamPosition, "transactions": StreamPosition}   checkpoints, see crm_sync.streams
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypedDict, cast

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from crm_shared.errors import CrmError
from crm_shared.lease import wall_clock
from crm_shared.mongo import SYNC_STATE

COLLECTION = SYNC_STATE

INDEXES: list[IndexModel] = []  # read by `_id`
#: Created by the gateway at start (an index by app id).
GATEWAY_INDEXES = [IndexModel([("app_id", ASCENDING)])]

INCREMENTAL, BACKFILL = "incremental", "backfill"
COMPLETED = "completed"


class State(enum.StrEnum):
    """`sync_state.state` (the `SyncState` of the GraphQL API)."""

    IDLE = "IDLE"
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    FAILED = "FAILED"


IDLE, QUEUED, RUNNING, FAILED = State.IDLE, State.QUEUED, State.RUNNING, State.FAILED

#: target -> the states it may be entered from (None: the app has no document yet).  Two moves have a
#: condition besides: QUEUED from RUNNING only when that run is dead; IDLE and FAILED only by the running run.
MOVES: dict[State, frozenset[State | None]] = {
    QUEUED: frozenset({None, IDLE, QUEUED, FAILED, RUNNING}),
    RUNNING: frozenset({None, IDLE, QUEUED, FAILED, RUNNING}),
    IDLE: frozenset({RUNNING}),
    FAILED: frozenset({RUNNING}),
}


class IllegalTransitionError(CrmError):
    """A move `MOVES` does not allow (e.g. a run that is no longer the app's current run ending it)."""


class StreamPosition(TypedDict, total=False):
    """Checkpoint of one stream (written by `crm_sync.streams`)."""

    mode: str | None  # "incremental" | "backfill" while a run is in progress, else None
    range_start: str | None
    range_end: str | None
    window_start: str | None
    window_end: str | None
    cursor: str | None
    pages: int
    items: int
    newest_seen: datetime | None
    watermark: datetime | None
    progress: float | None
    completed_at: datetime | None


class RunInfo(TypedDict, total=False):
    """The current or last run of an app (wall-clock times)."""

    id: str
    kind: str
    since: str | None
    started_at: datetime
    lease_expires_at: datetime | None
    outcome: str  # "completed" | "failed", once the run ended


class SyncStateDoc(TypedDict, total=False):
    """A `sync_state` document."""

    _id: str
    app_id: str
    state: str
    queued_at: datetime | None
    started_at: datetime | None
    last_synced_at: datetime | None
    last_error: str | None
    last_error_permanent: bool
    progress: float | None
    events_synced: int
    transactions_synced: int
    malformed_count: int
    run: RunInfo
    streams: dict[str, StreamPosition]


async def create_indexes(db: AsyncDatabase[Any], models: Iterable[IndexModel] = INDEXES) -> None:
    """Create `models` on the collection (idempotent; the base set is empty)."""
    models = list(models)
    if models:
        await db[COLLECTION].create_indexes(models)


def run_alive(doc: SyncStateDoc | None, wall_now: datetime) -> bool:
    """Whether the document's RUNNING run still holds its lease (a killed worker's lease expires)."""
    if not doc or doc.get("state") != RUNNING:
        return False
    expires = (doc.get("run") or {}).get("lease_expires_at")
    return expires is not None and expires > wall_now


def can_move(current: State | None, target: State, *, alive: bool = False, same_run: bool = False) -> bool:
    """Whether `current` may move to `target` (`alive`: a RUNNING run holds its lease; `same_run`: the
    caller is that run)."""
    if current not in MOVES[target]:
        return False
    if target is QUEUED and current is RUNNING:
        return not alive
    if target in (IDLE, FAILED):
        return same_run
    return True


def is_import(doc: SyncStateDoc | None, wall_now: datetime) -> bool:
    """Whether `doc` describes an import in progress: a live run reading a large part of the history (the
    app's first sync, or a backfill)."""
    if not run_alive(doc, wall_now):
        return False
    assert doc is not None
    if doc.get("last_synced_at") is None:
        return True  # the app's first sync reads its whole history
    streams = doc.get("streams") or {}
    return any(isinstance(s, dict) and s.get("mode") == BACKFILL for s in streams.values())


def covers(doc: SyncStateDoc | None, kind: str, since: str | None, requested_at: datetime) -> bool:
    """Whether a run started at or after `requested_at` and completed did what a request of `kind` asks (a run
    still going or one that failed does not: the request runs, or waits for the lease, itself)."""
    run = (doc or {}).get("run") or {}
    started = run.get("started_at")
    if started is None or started < requested_at or run.get("outcome") != COMPLETED:
        return False
    if kind == INCREMENTAL:
        return True  # any run reads the newest data
    ran_since = run.get("since")
    return run.get("kind") == BACKFILL and (ran_since is None or (since is not None and ran_since <= since))


async def load(db: AsyncDatabase[Any], app_id: str) -> SyncStateDoc:
    """The app's document, or an empty one."""
    return cast(SyncStateDoc, await db[COLLECTION].find_one({"_id": app_id}) or {})


async def load_many(db: AsyncDatabase[Any], app_ids: list[str]) -> dict[str, SyncStateDoc]:
    """Documents by app id (apps without one are missing)."""
    return {d["_id"]: cast(SyncStateDoc, d) async for d in db[COLLECTION].find({"_id": {"$in": app_ids}})}


_NEW_COUNTERS = {"events_synced": 0, "transactions_synced": 0, "malformed_count": 0}


async def mark_queued(db: AsyncDatabase[Any], app_id: str, now: datetime) -> bool:
    """A sync of the app was requested: QUEUED, unless a live run holds the app (it stays RUNNING, and the
    request waits for its lease).  True when the document moved to QUEUED."""
    allowed = [s.value for s in MOVES[QUEUED] if s is not None and s is not RUNNING] + [None]
    dead_run = {"state": RUNNING.value, "$or": [{"run.lease_expires_at": None},
                                                {"run.lease_expires_at": {"$lte": wall_clock()}}]}
    try:
        result = await db[COLLECTION].update_one(
            {"_id": app_id, "$or": [{"state": {"$in": allowed}}, dead_run]},
            {"$set": {"state": QUEUED.value, "queued_at": now},
             "$setOnInsert": {"app_id": app_id, **_NEW_COUNTERS}},
            upsert=True,
        )
    except DuplicateKeyError:  # the document exists and a live run holds the app
        return False
    return bool(result.matched_count or result.upserted_id is not None)


async def mark_running(db: AsyncDatabase[Any], app_id: str, run: RunInfo, now: datetime) -> None:
    """A run started; the caller holds the app's sync lease, so any earlier run is over."""
    await db[COLLECTION].update_one(
        {"_id": app_id},
        {"$set": {"state": RUNNING.value, "started_at": now, "last_error": None, "last_error_permanent": False,
                  "progress": 0.0, "run": dict(run)},
         "$setOnInsert": {"app_id": app_id, **_NEW_COUNTERS}},
        upsert=True,
    )


async def renew(db: AsyncDatabase[Any], app_id: str, run_id: str, lease_expires_at: datetime) -> bool:
    """Mirror a renewal of the run's lease; False when the run is no longer the app's current run."""
    result = await db[COLLECTION].update_one({"_id": app_id, "state": RUNNING.value, "run.id": run_id},
                                             {"$set": {"run.lease_expires_at": lease_expires_at}})
    return bool(result.matched_count)


async def _end_run(db: AsyncDatabase[Any], app_id: str, run_id: str, target: State, fields: dict[str, Any]) -> None:
    outcome = COMPLETED if target is IDLE else "failed"
    result = await db[COLLECTION].update_one(
        {"_id": app_id, "state": RUNNING.value, "run.id": run_id},
        {"$set": {"state": target.value, "run.lease_expires_at": None, "run.outcome": outcome, **fields}},
    )
    if not result.matched_count:
        current = (await load(db, app_id)).get("state")
        raise IllegalTransitionError(
            f"sync_state of {app_id}: run {run_id} may not move {current} to {target}: it is not the current run")


async def mark_idle(db: AsyncDatabase[Any], app_id: str, run_id: str, now: datetime) -> None:
    """The run completed (`IllegalTransitionError` when it is no longer the app's current run)."""
    await _end_run(db, app_id, run_id, IDLE, {"last_synced_at": now, "last_error": None,
                                              "last_error_permanent": False, "progress": 1.0})


async def mark_failed(db: AsyncDatabase[Any], app_id: str, run_id: str, message: str, permanent: bool) -> None:
    """The run stopped on an error; its checkpoints stay, so the next run resumes."""
    await _end_run(db, app_id, run_id, FAILED, {"last_error": message, "last_error_permanent": permanent})


async def checkpoint(
    db: AsyncDatabase[Any],
    app_id: str,
    stream: str,
    fields: dict[str, Any],
    counts: dict[str, int] | None = None,
    progress: float | None = None,
) -> None:
    """Store a stream's position (and counters, and the run's progress) after a page, in one write.

    The run's progress only moves up (``$max``): the two streams write their checkpoints concurrently, and a
    value computed earlier can land after a larger one. A new run starts it again at 0 (`mark_running`)."""
    update: dict[str, Any] = {"$set": {f"streams.{stream}.{k}": v for k, v in fields.items()},
                              "$setOnInsert": {"app_id": app_id}}
    if progress is not None:
        update["$max"] = {"progress": progress}
    incs = {k: v for k, v in (counts or {}).items() if v}
    if incs:
        update["$inc"] = incs
    await db[COLLECTION].update_one({"_id": app_id}, update, upsert=True)


async def set_count(db: AsyncDatabase[Any], app_id: str, field: str, count: int) -> None:
    """Set a counter (``events_synced`` ...) to the documents actually stored."""
    await db[COLLECTION].update_one({"_id": app_id}, {"$set": {field: count}, "$setOnInsert": {"app_id": app_id}},
                                    upsert=True)


async def import_in_progress(db: AsyncDatabase[Any], app_id: str) -> bool:
    """Whether an import of `app_id` runs now (its first sync or a backfill, by a worker holding the lease)."""
    doc = await db[COLLECTION].find_one({"_id": app_id}, {"state": 1, "last_synced_at": 1, "streams": 1, "run": 1})
    return is_import(cast(SyncStateDoc | None, doc), wall_clock())


async def forget(db: AsyncDatabase[Any], app_id: str) -> None:
    """Drop the app's document (the app was removed from the CRM)."""
    await db[COLLECTION].delete_one({"_id": app_id})
