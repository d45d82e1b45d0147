"""The gateway's indexes, created at start (idempotent).

Equality-sort-range: every list query is `app_id` equality, then the sort
column, then `_id` as tie-break, so `{app_id, <sort column>, _id}` serves the
sort and the keyset range for every sort column; filters are applied to the
rows the index walk yields.  Search uses the multikey `{app_id, search_terms}`
index with a prefix range.  Filter-only paths (status, segments, plan, ...)
get `{app_id, <path>, installed_at, _id}` so a selective filter under the
default sort stays indexed too.
"""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from crm_gateway.sorting import SORT_FIELDS
from crm_shared.alerts.emit import ensure_indexes as ensure_alert_indexes
from crm_shared.mongo import (
    APP_METRICS,
    CUSTOMERS,
    PARTNER_TRANSACTIONS,
    SAVED_SEGMENTS,
    SYNC_STATE,
    ensure_base_indexes,
)

FILTER_PATHS = ("status", "segments", "plan", "paid", "country", "is_test")


def customer_indexes() -> list[IndexModel]:
    """Every index of the `customers` collection the gateway's queries rely on."""
    models = [
        IndexModel([("app_id", ASCENDING), (col, ASCENDING), ("_id", ASCENDING)], name=f"list_{col}")
        for col in SORT_FIELDS.values()
    ]
    models += [
        IndexModel([("app_id", ASCENDING), (path, ASCENDING), ("installed_at", DESCENDING), ("_id", DESCENDING)],
                   name=f"filter_{path}")
        for path in FILTER_PATHS
    ]
    models.append(IndexModel([("app_id", ASCENDING), ("search_terms", ASCENDING)], name="search_terms"))
    models.append(IndexModel([("app_id", ASCENDING), ("domain_lc", ASCENDING)], name="by_domain"))
    return models


async def ensure_indexes(db: AsyncDatabase) -> None:
    """Create the base indexes and the gateway's own (safe to run at every start)."""
    await ensure_base_indexes(db)
    await db[CUSTOMERS].create_indexes(customer_indexes())
    await db[PARTNER_TRANSACTIONS].create_indexes(
        [IndexModel([("app_id", ASCENDING), ("shop_id", ASCENDING), ("gross_amount", ASCENDING), ("_id", ASCENDING)],
                    name="shop_by_amount")]
    )
    await db[APP_METRICS].create_indexes([IndexModel([("app_id", ASCENDING), ("date", ASCENDING)], name="by_date")])
    await db[SAVED_SEGMENTS].create_indexes([IndexModel([("app_id", ASCENDING), ("created_at", ASCENDING)])])
    await db[SYNC_STATE].create_indexes([IndexModel([("app_id", ASCENDING)])])
    await ensure_alert_indexes(db)
