"""Run windows and progress (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from crm_sync.windows import Window, backfill_window, fraction, incremental_window, next_backfill_window

FLOOR = datetime(2020, 1, 1, tzinfo=timezone.utc)


def test_incremental_window_starts_overlap_before_watermark() -> None:
    wm = datetime(2026, 3, 10, tzinfo=timezone.utc)
    assert incremental_window(wm, timedelta(days=3)) == Window("2026-03-07T00:00:00Z", None)


def test_first_incremental_run_reads_all_history() -> None:
    assert incremental_window(None, timedelta(days=3)) == Window(None, None)


def test_backfill_windows_cover_the_range_newest_first_without_gaps() -> None:
    w = backfill_window("2026-03-01T00:00:00Z", "2025-01-01T00:00:00Z", timedelta(days=180), FLOOR)
    windows = [w]
    while (nxt := next_backfill_window(windows[-1], "2025-01-01T00:00:00Z", timedelta(days=180), FLOOR)):
        windows.append(nxt)
    assert windows[0].end == "2026-03-01T00:00:00Z"
    assert windows[-1].start == "2025-01-01T00:00:00Z"
    for newer, older in zip(windows, windows[1:], strict=False):
        assert older.end == newer.start
    assert len(windows) == 3


def test_open_backfill_leaves_the_oldest_window_unbounded() -> None:
    w = backfill_window("2020-06-01T00:00:00Z", None, timedelta(days=180), FLOOR)
    assert w == Window(None, "2020-06-01T00:00:00Z")
    assert next_backfill_window(w, None, timedelta(days=180), FLOOR) is None


def test_fraction_of_a_newest_first_walk() -> None:
    lo, hi = datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2026, 1, 11, tzinfo=timezone.utc)
    assert fraction(lo, hi, datetime(2026, 1, 6, tzinfo=timezone.utc)) == 0.5
    assert fraction(lo, hi, None) is None
