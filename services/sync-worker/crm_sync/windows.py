"""Time windows of a run (pure): which filters each query uses, and progress.

A run covers ``[range_start, range_end]`` (ISO strings; ``range_start`` None =
no lower bound).  Incremental runs are one window from the watermark minus the
overlap, without an upper bound.  Backfills walk back from ``range_end`` in
windows of ``window`` length, newest first; when the range has no lower bound,
the window that reaches ``floor`` is left open below so nothing older is missed.
Filters are inclusive, so adjacent windows share their boundary second, which
idempotent upserts make harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from crm_shared.clock import parse_iso, to_iso


@dataclass(frozen=True)
class Window:
    """Filters of one query: lower and upper bound, ISO strings or None."""

    start: str | None
    end: str | None


def incremental_window(watermark: datetime | None, overlap: timedelta) -> Window:
    """Everything since the watermark minus the overlap (all of history without a watermark)."""
    return Window(to_iso(watermark - overlap) if watermark is not None else None, None)


def backfill_window(end: str, range_start: str | None, window: timedelta, floor: datetime) -> Window:
    """The window ending at `end`, walking back toward `range_start` (or `floor` when open)."""
    end_dt = parse_iso(end)
    start_dt = end_dt - window
    if range_start is not None:
        lower = parse_iso(range_start)
        return Window(to_iso(max(start_dt, lower)), end)
    return Window(None if start_dt <= floor else to_iso(start_dt), end)


def next_backfill_window(current: Window, range_start: str | None, window: timedelta, floor: datetime) -> Window | None:
    """The window before `current`, or None when `current` reached the start of the range."""
    if current.start is None or (range_start is not None and parse_iso(current.start) <= parse_iso(range_start)):
        return None
    return backfill_window(current.start, range_start, window, floor)


def fraction(lower: datetime | None, upper: datetime | None, position: datetime | None) -> float | None:
    """How far a newest-first walk from `upper` down to `lower` has got at `position` (0–1)."""
    if lower is None or upper is None or position is None or upper <= lower:
        return None
    return min(1.0, max(0.0, (upper - position) / (upper - lower)))
