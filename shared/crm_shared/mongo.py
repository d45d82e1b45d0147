"""MongoDB access: one client per process, and the collection names.

Works against any MongoDB 7+ (replica set or standalone) and the embedded
SecantusDB used locally; nothing here is engine-specific.  The collections
are read and written only through `crm_shared.store`, one module per
collection, which also declares their indexes.
"""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
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
SIGNING_KEYS = "signing_keys"
# Alerts (docs/alerts.md).
CUSTOMER_EVENTS = "customer_events"
ALERT_BASELINES = "alert_baselines"
WEBHOOK_ENDPOINTS = "webhook_endpoints"
WEBHOOK_DELIVERIES = "webhook_deliveries"

_clients: dict[str, AsyncMongoClient[Any]] = {}


def new_client(uri: str | None = None, server_selection_seconds: float = 5.0) -> AsyncMongoClient[Any]:
    """A new client for `uri` (default `MONGODB_URI`) with the options every service uses.

    Each reply is awaited at most `MONGODB_SOCKET_TIMEOUT_SECONDS`: a server that takes a request and never
    answers (seen once with a server restarted under a running sync) fails the operation, which is retried,
    instead of blocking the worker's run forever."""
    settings = get_settings()
    return AsyncMongoClient(uri or settings.mongodb_uri, tz_aware=True,
                            serverSelectionTimeoutMS=int(server_selection_seconds * 1000),
                            socketTimeoutMS=int(settings.mongodb_socket_timeout_seconds * 1000))


def get_client(uri: str | None = None) -> AsyncMongoClient[Any]:
    """A process-wide client for `uri` (default `MONGODB_URI`)."""
    uri = uri or get_settings().mongodb_uri
    client = _clients.get(uri)
    if client is None:
        client = new_client(uri)
        _clients[uri] = client
    return client


def get_db(uri: str | None = None, name: str | None = None) -> AsyncDatabase[Any]:
    """The CRM database (`MONGODB_DB`, default ``crm``)."""
    return get_client(uri)[name or get_settings().mongodb_db]
