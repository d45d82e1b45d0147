"""kill -9 of the workers: the sync worker three times at random points of a backfill, the analytics worker in
the middle of a rebuild. After a restart the database equals an uninterrupted run / a clean rebuild."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.harness import (
    APP,
    BackfillApp,
    FaultStack,
    RebuildApp,
    customers_snapshot,
    ground_truth_disagreements,
    raw_snapshot,
    start_fault_stack,
    uninterrupted_raw,
    wait_for,
    wait_until_converged,
)


@pytest.fixture
def stack(services: dict[str, str], tmp_path: Path) -> Iterator[FaultStack]:
    running = start_fault_stack(tmp_path, services["mongodb_uri"], seed=11, shops=70)
    try:
        yield running
    finally:
        running.stop()


def test_sync_worker_killed_three_times_during_a_backfill_ends_equal_to_an_uninterrupted_run(
        stack: FaultStack) -> None:
    rng = random.Random(20261125)
    kills = []
    stack.send(BackfillApp(app_id=APP, reason="fault test"))
    for n in range(3):
        # Wait until the run has stored something new since the last kill, then kill at a random moment.
        # Kill at a random point: once the run has stored a random number of items more since the last kill.
        target = sum(stack.raw_counts()) + rng.randint(1, 60)
        wait_for("the backfill to make progress", lambda target=target: sum(stack.raw_counts()) >= target,
                 timeout=180, interval=0.05)
        kills.append((stack.raw_counts(), (stack.sync_state().get("streams") or {}).get("events", {}).get("pages")))
        stack.kill9("sync-worker")
        stack.restart("sync-worker")
        # The killed message waits for dramatiq's redelivery; the operator's retry (or the scheduler) resumes now.
        stack.send(BackfillApp(app_id=APP, reason=f"after kill {n + 1}"))
    wait_until_converged(stack)
    got = raw_snapshot(stack.db)
    assert sum(kills[0][0]) < len(got["events"]) + len(got["transactions"]), \
        "the first kill landed after the backfill had finished"
    reference = uninterrupted_raw(stack)
    assert got["events"].keys() == reference["events"].keys()
    assert got["transactions"].keys() == reference["transactions"].keys()
    assert got == reference
    assert ground_truth_disagreements(stack.db, stack.truth) == []


def test_analytics_worker_killed_mid_rebuild_ends_equal_to_a_clean_rebuild(stack: FaultStack) -> None:
    wait_until_converged(stack)
    clean = customers_snapshot(stack.db)
    assert len(clean) == len(stack.truth)
    # Lose every derived customer, start a rebuild and kill the worker while it is writing them back.
    stack.db.customers.delete_many({"app_id": APP})
    stack.send(RebuildApp(app_id=APP))
    wait_for("the rebuild to start writing", lambda: stack.db.customers.count_documents({}) > 0, timeout=120,
             interval=0.05)
    stack.kill9("analytics-worker")
    written = stack.db.customers.count_documents({})
    assert written < len(clean), "the kill landed after the rebuild had finished; make batches smaller"
    stack.restart("analytics-worker")
    stack.send(RebuildApp(app_id=APP))
    wait_for("the rebuild to finish", lambda: customers_snapshot(stack.db) == clean or None, timeout=180)
    assert ground_truth_disagreements(stack.db, stack.truth) == []
