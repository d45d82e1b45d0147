"""Indexes the analytics worker's own queries need (idempotent)."""

from __future__ import annotations

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.alerts.emit import ensure_indexes as ensure_alert_indexes
from crm_shared.mongo import CUSTOMERS

ANALYTICS_INDEXES: dict[str, list[IndexModel]] = {
    # refresh_app: customers whose next_change_at has passed
    CUSTOMERS: [IndexModel([("app_id", ASCENDING), ("next_change_at", ASCENDING)])],
}


async def ensure_analytics_indexes(db: AsyncDatabase) -> None:
    """Create the analytics worker's indexes."""
    for name, models in ANALYTICS_INDEXES.items():
        await db[name].create_indexes(models)
    await ensure_alert_indexes(db)
