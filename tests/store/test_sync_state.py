"""The `sync_state` state machine: the moves allowed on paper (pure) and in the database (real MongoDB)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from crm_shared.lease import wall_clock
from crm_shared.store import sync_state
from crm_shared.store.sync_state import FAILED, IDLE, QUEUED, RUNNING, IllegalTransitionError, State, can_move

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
APP = "gid://partners/App/1"


@pytest.mark.parametrize(("current", "target", "alive", "same_run", "allowed"), [
    (None, QUEUED, False, False, True),
    (IDLE, QUEUED, False, False, True),
    (FAILED, QUEUED, False, False, True),
    (QUEUED, QUEUED, False, False, True),
    (RUNNING, QUEUED, True, False, False),   # a request never switches off a live run (nor an import's hold-back)
    (RUNNING, QUEUED, False, False, True),   # a dead run's app is free again
    (None, RUNNING, False, False, True),
    (RUNNING, RUNNING, True, False, True),   # the caller took the lease: the earlier run is over
    (RUNNING, IDLE, True, True, True),
    (RUNNING, IDLE, True, False, False),     # only the run itself ends it
    (RUNNING, FAILED, True, False, False),
    (QUEUED, IDLE, False, True, False),
    (IDLE, FAILED, False, True, False),
    (None, IDLE, False, True, False),
])
def test_moves(current: State | None, target: State, alive: bool, same_run: bool, allowed: bool) -> None:
    assert can_move(current, target, alive=alive, same_run=same_run) is allowed


def run(run_id: str, lease_seconds: float, kind: str = "incremental", since: str | None = None,
        started: datetime | None = None) -> sync_state.RunInfo:
    return {"id": run_id, "kind": kind, "since": since, "started_at": started or wall_clock(),
            "lease_expires_at": wall_clock() + timedelta(seconds=lease_seconds)}


async def test_a_request_queues_an_idle_app_but_not_a_live_run(db) -> None:
    assert await sync_state.mark_queued(db, APP, NOW)
    doc = await sync_state.load(db, APP)
    assert (doc["state"], doc["queued_at"], doc["events_synced"]) == ("QUEUED", NOW, 0)
    await sync_state.mark_running(db, APP, run("r1", 60), NOW)
    assert not await sync_state.mark_queued(db, APP, NOW + timedelta(minutes=1))
    assert (await sync_state.load(db, APP))["state"] == "RUNNING"
    await sync_state.mark_idle(db, APP, "r1", NOW)
    assert await sync_state.mark_queued(db, APP, NOW)


async def test_a_request_queues_an_app_whose_run_died(db) -> None:
    await sync_state.mark_running(db, APP, run("r1", -1), NOW)  # its lease already expired
    assert await sync_state.mark_queued(db, APP, NOW)
    assert (await sync_state.load(db, APP))["state"] == "QUEUED"


async def test_only_the_current_run_ends_itself(db) -> None:
    await sync_state.mark_running(db, APP, run("old", 60), NOW)
    await sync_state.mark_running(db, APP, run("new", 60), NOW)  # took over after the old lease was lost
    with pytest.raises(IllegalTransitionError, match="old"):
        await sync_state.mark_idle(db, APP, "old", NOW)
    with pytest.raises(IllegalTransitionError):
        await sync_state.mark_failed(db, APP, "old", "boom", False)
    assert not await sync_state.renew(db, APP, "old", wall_clock())
    await sync_state.mark_failed(db, APP, "new", "boom", True)
    doc = await sync_state.load(db, APP)
    assert (doc["state"], doc["last_error"], doc["last_error_permanent"]) == ("FAILED", "boom", True)
    assert doc["run"]["lease_expires_at"] is None and doc["run"]["outcome"] == "failed"
    with pytest.raises(IllegalTransitionError):  # FAILED -> IDLE is no move
        await sync_state.mark_idle(db, APP, "new", NOW)


async def test_the_lease_mirror_tells_whether_an_import_runs(db) -> None:
    assert not await sync_state.import_in_progress(db, APP)
    await sync_state.mark_running(db, APP, run("r1", 60), NOW)  # first sync: an import
    assert await sync_state.import_in_progress(db, APP)
    assert await sync_state.renew(db, APP, "r1", wall_clock() - timedelta(seconds=1))  # the worker stopped renewing
    assert not await sync_state.import_in_progress(db, APP)


def completed(info: sync_state.RunInfo, outcome: str = "completed") -> sync_state.RunInfo:
    return {**info, "lease_expires_at": None, "outcome": outcome}


def test_a_request_is_covered_only_by_a_completed_run_started_after_it() -> None:
    t = wall_clock()
    doc: sync_state.SyncStateDoc = {"run": completed(run("r", 60, started=t))}
    assert sync_state.covers(doc, "incremental", None, t - timedelta(seconds=1))
    assert not sync_state.covers(doc, "incremental", None, t + timedelta(seconds=1))
    assert not sync_state.covers(doc, "backfill", None, t - timedelta(seconds=1))  # an incremental run is no backfill
    # A run still going, or one that failed, satisfies nothing: the request runs (or waits for the lease) itself.
    assert not sync_state.covers({"run": run("r", 60, started=t)}, "incremental", None, t - timedelta(seconds=1))
    failed: sync_state.SyncStateDoc = {"run": completed(run("r", 60, started=t), "failed")}
    assert not sync_state.covers(failed, "incremental", None, t - timedelta(seconds=1))
    backfill: sync_state.SyncStateDoc = {"run": completed(run("r", 60, kind="backfill", since="2024-01-01", started=t))}
    assert sync_state.covers(backfill, "incremental", None, t)
    assert sync_state.covers(backfill, "backfill", "2025-01-01", t)
    assert not sync_state.covers(backfill, "backfill", "2023-01-01", t)  # asks for more history
    assert not sync_state.covers(backfill, "backfill", None, t)
    assert not sync_state.covers({}, "incremental", None, t)


async def test_a_runs_progress_never_moves_back_when_checkpoints_land_out_of_order(db) -> None:
    """The two streams checkpoint concurrently: a progress computed earlier can be written after a larger one."""
    await sync_state.mark_running(db, APP, run("r1", 60), NOW)
    assert (await sync_state.load(db, APP))["progress"] == 0.0
    await sync_state.checkpoint(db, APP, "events", {"pages": 3}, progress=0.36)
    await sync_state.checkpoint(db, APP, "transactions", {"pages": 2}, progress=0.34)  # computed before 0.36
    doc = await sync_state.load(db, APP)
    assert doc["progress"] == 0.36 and doc["streams"]["transactions"]["pages"] == 2
    await sync_state.mark_idle(db, APP, "r1", NOW)
    await sync_state.mark_running(db, APP, run("r2", 60), NOW)  # a new run starts from 0 again
    assert (await sync_state.load(db, APP))["progress"] == 0.0
