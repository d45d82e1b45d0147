"""A list of records kept in serving order (newest first) with bisectable keys.

Each record has a ``key`` = ``(-epoch_seconds, -sequence)``: ascending key order is
newest-first, and the sequence number breaks same-second ties stably.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from typing import Generic, Protocol, TypeVar


class Keyed(Protocol):
    """Anything with a serving-order key."""

    key: tuple[int, int]


T = TypeVar("T", bound=Keyed)


class OrderedIndex(Generic[T]):
    """Records sorted by ``key``; parallel ``keys`` list for ``bisect``."""

    __slots__ = ("keys", "items", "_pending")

    def __init__(self) -> None:
        self.keys: list[tuple[int, int]] = []
        self.items: list[T] = []
        self._pending: list[T] | None = None

    def __len__(self) -> int:
        return len(self.items)

    def bulk_add(self, record: T) -> None:
        """Queue a record for the next ``finalize`` (fast initial load)."""
        if self._pending is None:
            self._pending = []
        self._pending.append(record)

    def finalize(self) -> None:
        """Merge queued records and sort once."""
        if self._pending:
            merged = self.items + self._pending
            merged.sort(key=lambda r: r.key)
            self.items = merged
            self.keys = [r.key for r in merged]
        self._pending = None

    def insert(self, record: T) -> None:
        """Insert one record at its place."""
        pos = bisect.bisect_left(self.keys, record.key)
        self.keys.insert(pos, record.key)
        self.items.insert(pos, record)

    def remove(self, record: T) -> None:
        """Remove one record (by identity) if present."""
        pos = bisect.bisect_left(self.keys, record.key)
        while pos < len(self.items) and self.keys[pos] == record.key:
            if self.items[pos] is record:
                del self.keys[pos]
                del self.items[pos]
                return
            pos += 1

    def window(self, newest_ts: int | None, oldest_ts: int | None) -> tuple[int, int]:
        """Index range ``[lo, hi)`` of records with ``oldest_ts <= ts <= newest_ts``."""
        lo = 0 if newest_ts is None else bisect.bisect_left(self.keys, (-newest_ts, -(1 << 62)))
        hi = len(self.keys) if oldest_ts is None else bisect.bisect_right(self.keys, (-oldest_ts, 1 << 62))
        return lo, max(lo, hi)

    def window_ascending(self, oldest_ts: int | None, newest_ts: int | None) -> tuple[int, int]:
        """Like ``window`` for an index whose keys are ``(+epoch, +sequence)`` (oldest first)."""
        lo = 0 if oldest_ts is None else bisect.bisect_left(self.keys, (oldest_ts, -(1 << 62)))
        hi = len(self.keys) if newest_ts is None else bisect.bisect_right(self.keys, (newest_ts, 1 << 62))
        return lo, max(lo, hi)

    def position_after(self, key: tuple[int, int]) -> int:
        """First index strictly after ``key`` in serving order."""
        return bisect.bisect_right(self.keys, key)

    def position_of(self, key: tuple[int, int]) -> int:
        """First index at or after ``key`` in serving order."""
        return bisect.bisect_left(self.keys, key)

    def extend_sorted(self, records: Iterable[T]) -> None:
        """Queue many records and finalize."""
        for r in records:
            self.bulk_add(r)
        self.finalize()
