"""A DataLoader whose answers survive the cancellation of one of the fields waiting for them.

Every field that loads the same key awaits the same future.  When graphql-core
nulls part of a result (an error in a non-null field), it cancels the fields it
no longer needs, and cancelling a task cancels the future it awaits: a sibling
still waiting for that key then got a `CancelledError`, which escaped as an
HTTP 500.  Each caller here awaits the shared future through `asyncio.shield`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from strawberry.dataloader import DataLoader

K = TypeVar("K")
T = TypeVar("T")


class ShieldedDataLoader(DataLoader[K, T]):
    """`strawberry.dataloader.DataLoader`, with each `load` shielded from the others' cancellation."""

    def load(self, key: K) -> Awaitable[T]:
        return asyncio.shield(super().load(key))
