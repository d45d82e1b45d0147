"""Message contracts: queue names, actor names and payloads.

Producers build messages here and send them with `send`; the worker that owns
an actor declares it with the same actor and queue name.  A message carries ids
only, so duplicates and reordering are harmless: actors re-read current state.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import dramatiq
from pydantic import BaseModel, Field

SYNC_QUEUE = "sync"
ANALYTICS_QUEUE = "analytics"
WEBHOOKS_QUEUE = "webhooks"

SYNC_APP = "sync_app"
BACKFILL_APP = "backfill_app"
INGEST_SHOP_PROFILES = "ingest_shop_profiles"
CUSTOMERS_CHANGED = "customers_changed"
REBUILD_APP = "rebuild_app"
REFRESH_APP = "refresh_app"
DELIVER_WEBHOOKS = "deliver_webhooks"
SWEEP_WEBHOOKS = "sweep_webhooks"


def _requested_now() -> str:
    return datetime.now(timezone.utc).isoformat()


class SyncApp(BaseModel):
    """Incremental pull of one app's events and transactions.

    `requested_at` (wall clock, set when the request is made) lets the worker skip a request that a run
    started after it has already satisfied."""

    app_id: str
    reason: str = "scheduled"
    requested_at: str | None = Field(default_factory=_requested_now)


class BackfillApp(BaseModel):
    """Full history of one app, from `since` (ISO-8601) or the beginning."""

    app_id: str
    since: str | None = None
    reason: str = "manual"
    requested_at: str | None = Field(default_factory=_requested_now)


class ShopProfile(BaseModel):
    """Facts the partner's own app reports about a shop."""

    shop_id: str = Field(pattern=r"^gid://partners/Shop/\d+$")
    email: str | None = Field(None, max_length=320)
    country: str | None = Field(None, min_length=2, max_length=2)
    shopify_plan: str | None = Field(None, max_length=64)
    last_active_at: str | None = None


class IngestShopProfiles(BaseModel):
    app_id: str
    profiles: list[ShopProfile]


class CustomersChanged(BaseModel):
    """Raw data of these shops changed: rebuild them, then app-level numbers."""

    app_id: str
    shop_ids: list[str]


class RebuildApp(BaseModel):
    """Recompute every customer and metric of an app from raw data."""

    app_id: str


class RefreshApp(BaseModel):
    """Time moved: re-evaluate clock-driven status and segments of an app."""

    app_id: str


class DeliverWebhooks(BaseModel):
    """Send an endpoint's due webhook deliveries (crm_shared.alerts.delivery)."""

    endpoint_id: str


class SweepWebhooks(BaseModel):
    """Find every endpoint with due deliveries and send each a `DeliverWebhooks` (lost messages, dead workers)."""


_ROUTES: dict[type[BaseModel], tuple[str, str]] = {
    SyncApp: (SYNC_QUEUE, SYNC_APP),
    BackfillApp: (SYNC_QUEUE, BACKFILL_APP),
    IngestShopProfiles: (SYNC_QUEUE, INGEST_SHOP_PROFILES),
    CustomersChanged: (ANALYTICS_QUEUE, CUSTOMERS_CHANGED),
    RebuildApp: (ANALYTICS_QUEUE, REBUILD_APP),
    RefreshApp: (ANALYTICS_QUEUE, REFRESH_APP),
    DeliverWebhooks: (WEBHOOKS_QUEUE, DELIVER_WEBHOOKS),
    SweepWebhooks: (WEBHOOKS_QUEUE, SWEEP_WEBHOOKS),
}


def to_message(payload: BaseModel, **options: Any) -> dramatiq.Message[Any]:
    """The dramatiq message for `payload` (keyword arguments = payload fields)."""
    queue, actor = _ROUTES[type(payload)]
    return dramatiq.Message(
        queue_name=queue,
        actor_name=actor,
        args=(),
        kwargs=payload.model_dump(mode="json"),
        options=options,
    )


def send(broker: dramatiq.Broker, payload: BaseModel, delay_ms: int | None = None) -> dramatiq.Message[Any]:
    """Enqueue `payload` on its queue without importing the actor's service."""
    return broker.enqueue(to_message(payload), delay=delay_ms)
