"""The indexes every service relies on, each declared by the store module of its collection (idempotent).

Services add their own on top with the same modules' `create_indexes` (the gateway: `crm_gateway.indexes`;
the analytics worker: `crm_analytics.indexes`).
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.store import (
    app_metrics,
    customer_events,
    customers,
    partner_events,
    partner_transactions,
    rebuild_outbox,
    registry,
    saved_segments,
    shop_profiles,
    webhook_deliveries,
    webhook_endpoints,
)


async def ensure_base_indexes(db: AsyncDatabase[Any]) -> None:
    """Create the base indexes of every collection that has some."""
    await partner_events.create_indexes(db)
    await partner_transactions.create_indexes(db)
    await shop_profiles.create_indexes(db)
    await registry.create_indexes(db)
    await saved_segments.create_indexes(db)
    await app_metrics.create_indexes(db)
    await customers.create_indexes(db)
    await rebuild_outbox.create_indexes(db)
    await customer_events.create_indexes(db)
    await webhook_endpoints.create_indexes(db)
    await webhook_deliveries.create_indexes(db)
