"""Relay-style paging over an ``OrderedIndex`` (first/after, last/before), with
``hasNextPage``/``hasPreviousPage`` only — the Partner API has no ``endCursor``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from partner_sim.cursors import decode_cursor, encode_cursor
from partner_sim.ordered_index import OrderedIndex

T = TypeVar("T")


class PagingError(ValueError):
    """Bad paging arguments (reported as a GraphQL error)."""


@dataclass
class Page(Generic[T]):
    """One page of records plus the flags the API returns."""

    records: list[T]
    has_next: bool
    has_previous: bool


def paginate(
    index: OrderedIndex[Any],
    *,
    lo: int,
    hi: int,
    keep: Callable[[Any], bool],
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    fhash: str,
    page_max: int,
) -> Page[Any]:
    """The requested page of records in ``index[lo:hi]`` that satisfy ``keep``."""
    for name, value in (("first", first), ("last", last)):
        if value is not None and value < 0:
            raise PagingError(f"Argument '{name}' must be a non-negative integer")
    if first is None and last is None:
        raise PagingError("You must provide one of first or last")
    start, end = lo, hi
    if after is not None:
        start = max(start, index.position_after(decode_cursor(after, fhash)))
    if before is not None:
        end = min(end, index.position_of(decode_cursor(before, fhash)))
    items = index.items
    if first is not None:
        want = min(first, page_max)
        out: list[Any] = []
        i = start
        while i < end and len(out) < want:
            if keep(items[i]):
                out.append(items[i])
            i += 1
        has_next = _any(items, i, end, keep)
        if last is not None and len(out) > last:  # Relay: first, then last of that
            out = out[len(out) - min(last, page_max):]
        has_prev = _any_backwards(items, start - 1, lo, keep)
        return Page(out, has_next, has_prev)
    assert last is not None
    want = min(last, page_max)
    rev: list[Any] = []
    j = end - 1
    while j >= start and len(rev) < want:
        if keep(items[j]):
            rev.append(items[j])
        j -= 1
    rev.reverse()
    has_prev = _any_backwards(items, j, start, keep)
    has_next = _any(items, end, hi, keep)
    return Page(rev, has_next, has_prev)


def _any(items: list[Any], i: int, end: int, keep: Callable[[Any], bool]) -> bool:
    while i < end:
        if keep(items[i]):
            return True
        i += 1
    return False


def _any_backwards(items: list[Any], j: int, lo: int, keep: Callable[[Any], bool]) -> bool:
    while j >= lo:
        if keep(items[j]):
            return True
        j -= 1
    return False


def connection(page: Page[Any], fhash: str) -> dict[str, Any]:
    """The GraphQL connection dict for a page (edges with cursors, pageInfo)."""
    return {
        "edges": [{"cursor": encode_cursor(r.key, fhash), "node": r.node} for r in page.records],
        "pageInfo": {"hasNextPage": page.has_next, "hasPreviousPage": page.has_previous},
    }
