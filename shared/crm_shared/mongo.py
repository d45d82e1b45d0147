"""MongoDB access: one client per process, collection names, base indexes.

Works against any MongoDB 7+ (replica set or standalone) and the embedded
SecantusDB used locally; nothing here is engine-specific.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.settings import get_settings

# Raw: what the Partner API (or the partner's app) said.
PARTNER_EVENTS = "partner_events"
PARTNER_TRANSACTIONS = "partner_transactions"
SHOP_PROFILES = "shop_profiles"
# Derived: pure functions of raw data.
CUSTOMERS = "customers"
APP_METRICS = "app_metrics"
APP_SUMMARIES = "app_summaries"
# State.
ORGANIZATIONS = "organizations"
APPS = "apps"
SYNC_STATE = "sync_state"
API_KEYS = "api_keys"
SAVED_SEGMENTS = "saved_segments"
REBUILD_OUTBOX = "rebuild_outbox"

_clients: dict[str, AsyncMongoClient[Any]] = {}


def get_client(uri: str | None = None) -> AsyncMongoClient[Any]:
    """A process-wide client for `uri` (default `MONGODB_URI`)."""
    uri = uri or get_settings().mongodb_uri
    client = _clients.get(uri)
    if client is None:
        client = AsyncMongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=5000)
        _clients[uri] = client
    return client


def get_db(uri: str | None = None, name: str | None = None) -> AsyncDatabase[Any]:
    """The CRM database (`MONGODB_DB`, default ``crm``)."""
    return get_client(uri)[name or get_settings().mongodb_db]


BASE_INDEXES: dict[str, list[IndexModel]] = {
    PARTNER_EVENTS: [
        IndexModel([("app_id", ASCENDING), ("shop_id", ASCENDING), ("occurred_at", ASCENDING)]),
        IndexModel([("app_id", ASCENDING), ("occurred_at", DESCENDING)]),
    ],
    PARTNER_TRANSACTIONS: [
        IndexModel([("app_id", ASCENDING), ("shop_id", ASCENDING), ("created_at", ASCENDING)]),
        IndexModel([("app_id", ASCENDING), ("created_at", DESCENDING)]),
    ],
    SHOP_PROFILES: [IndexModel([("app_id", ASCENDING), ("shop_id", ASCENDING)], unique=True)],
    APPS: [IndexModel([("organization_id", ASCENDING), ("_id", ASCENDING)])],
    API_KEYS: [IndexModel([("organization_id", ASCENDING)])],
    SAVED_SEGMENTS: [IndexModel([("app_id", ASCENDING), ("key", ASCENDING)], unique=True)],
    APP_METRICS: [IndexModel([("app_id", ASCENDING), ("currency", ASCENDING), ("date", ASCENDING)])],
    CUSTOMERS: [IndexModel([("app_id", ASCENDING), ("shop_id", ASCENDING)], unique=True)],
    REBUILD_OUTBOX: [IndexModel([("app_id", ASCENDING), ("_id", ASCENDING)])],
}


async def ensure_base_indexes(db: AsyncDatabase[Any]) -> None:
    """Create the indexes every service relies on (idempotent).

    The gateway adds its list/sort indexes on top (see crm_gateway)."""
    for name, models in BASE_INDEXES.items():
        await db[name].create_indexes(models)
