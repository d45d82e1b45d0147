"""Indexes the analytics worker's own queries need (idempotent), declared by the store modules."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.store import customers


async def ensure_analytics_indexes(db: AsyncDatabase) -> None:
    """Create the analytics worker's indexes (refresh: customers whose next_change_at has passed)."""
    await customers.create_indexes(db, customers.REFRESH_INDEXES)
