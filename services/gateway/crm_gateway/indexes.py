"""The gateway's indexes, created at start (idempotent): the base indexes and the gateway's own, each declared
by the store module of its collection (`crm_shared.store`; the list's design is in
`crm_shared.store.customers.list_query_indexes`)."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from crm_gateway.sorting import SORT_FIELDS
from crm_shared.store import app_metrics, customers, partner_transactions, saved_segments, sync_state
from crm_shared.store.indexes import ensure_base_indexes


async def ensure_indexes(db: AsyncDatabase) -> None:
    """Create the base indexes and the gateway's own (safe to run at every start)."""
    await ensure_base_indexes(db)
    await customers.create_indexes(db, customers.list_query_indexes(SORT_FIELDS.values()))
    await partner_transactions.create_indexes(db, partner_transactions.GATEWAY_INDEXES)
    await app_metrics.create_indexes(db, app_metrics.GATEWAY_INDEXES)
    await saved_segments.create_indexes(db, saved_segments.GATEWAY_INDEXES)
    await sync_state.create_indexes(db, sync_state.GATEWAY_INDEXES)
