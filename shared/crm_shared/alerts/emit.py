"""Recording events and their deliveries: the analytics worker's side of alerts.

Called in the customer write path, *before* the customers are written (`crm_analytics.customer_rebuild`,
`crm_analytics.app_recompute`), and by the sync worker when a run fails for good.  Each call writes the
events (`store.customer_events.record`, idempotent by stable id) and then one pending delivery per matching
enabled endpoint (`store.webhook_deliveries.enqueue`, idempotent too), and returns the endpoints that got
deliveries so the caller can send them a delivery message.  Should the process die after these writes and
before the customer write, the retry derives the same events from the same old document: nothing is lost
and nothing is stored twice.  Should a message be lost, the scheduler's sweep finds the due deliveries.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.alerts.events import (
    OLD_FIELDS,
    SEGMENT_ENTERED,
    SEGMENT_LEFT,
    SUMMARY_FIELDS,
    SYNC_FAILED,
    Baseline,
    customer_summary,
    diff_customer,
    event_id,
    segment_events,
)
from crm_shared.lease import wall_clock
from crm_shared.store import (
    customer_events,
    customers,
    registry,
    saved_segments,
    webhook_deliveries,
    webhook_endpoints,
)
from crm_shared.store.webhook_endpoints import EndpointDoc


def endpoint_wants(endpoint: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """Whether `endpoint` (a `webhook_endpoints` document) is sent `event` (a `customer_events` document):
    enabled, the event's app and type selected, the event not older than the endpoint, and, when the
    endpoint names segments, a segment event of one of them or a customer in one of them (before or after)."""
    if not endpoint.get("enabled", True):
        return False
    if endpoint.get("app_ids") and event.get("app_id") not in endpoint["app_ids"]:
        return False
    if endpoint.get("event_types") and event.get("type") not in endpoint["event_types"]:
        return False
    created = endpoint.get("created_at")
    if created is not None and event["occurred_at"] < created:
        return False
    wanted = set(endpoint.get("segments") or [])
    if wanted and event.get("type") != SYNC_FAILED:
        if event.get("type") in (SEGMENT_ENTERED, SEGMENT_LEFT):
            return event.get("segment") in wanted
        return bool(wanted & set(event.get("customer_segments") or []))
    return True


async def _store(db: AsyncDatabase[Any], app: Mapping[str, Any] | None, events: list[dict[str, Any]],
                 created: datetime) -> set[str]:
    """Write `events` (complete but for organization and creation fields) and their deliveries."""
    if not events:
        return set()
    org_id = (app or {}).get("organization_id")
    for e in events:
        e["organization_id"] = org_id
        e["created_at"] = created
    await customer_events.record(db, events)
    if org_id is None:
        return set()
    endpoints: list[EndpointDoc] = await webhook_endpoints.of_organization(db, org_id, enabled_only=True)
    deliveries = [webhook_deliveries.new_delivery(ep["_id"], e, created)
                  for e in events for ep in endpoints if endpoint_wants(ep, e)]
    await webhook_deliveries.enqueue(db, deliveries)
    return {d["endpoint_id"] for d in deliveries}


def _seq(created: datetime, position: int, index: int) -> str:
    """Delivery order: the write's time, the customer's position in the written batch, the event's index in
    the customer's diff.  Events are inserted in this order (an ordered bulk write), so a reader polling
    during the write sees a prefix of it (the live feed relies on this)."""
    return f"{int(created.timestamp() * 1000):014d}|{position:06d}|{index:04d}"


def _app_fields(app: Mapping[str, Any] | None, app_id: str) -> dict[str, Any]:
    return {"id": app_id, "name": (app or {}).get("name") or app_id}


def _customer_event(app_id: str, app: Mapping[str, Any] | None, spec: dict[str, Any], doc: Mapping[str, Any],
                    old_segments: list[str], new_segments: list[str], created: datetime, position: int, index: int,
                    segment_names: Mapping[str, str]) -> dict[str, Any]:
    customer = customer_summary(doc, new_segments)
    data: dict[str, Any] = {"app": _app_fields(app, app_id), "customer": customer}
    if "entry" in spec:
        data["timelineEntry"] = spec["entry"]
    if "segment" in spec:
        data["segment"] = {"key": spec["segment"], "name": segment_names.get(spec["segment"], spec["segment"])}
    return {"_id": spec["_id"], "app_id": app_id, "shop_id": doc.get("shop_id"), "customer_id": doc.get("_id"),
            "type": spec["type"], "occurred_at": spec["occurred_at"], "seq": _seq(created, position, index),
            "segment": spec.get("segment"), "customer_segments": sorted(set(old_segments) | set(new_segments)),
            "data": data}


async def _segment_names(db: AsyncDatabase[Any], app_id: str) -> dict[str, str]:
    from crm_shared.analytics.segments import BUILT_IN_NAMES

    names = dict(BUILT_IN_NAMES)
    for seg in await saved_segments.of_app(db, app_id):
        names[seg["key"]] = seg.get("name") or seg["key"]
    return names


async def old_customers(db: AsyncDatabase[Any], keys: list[str]) -> dict[str, Any]:
    """What the diff needs of the stored customers of `keys` (read before they are replaced)."""
    return dict(await customers.by_keys(db, keys, dict.fromkeys(OLD_FIELDS, 1)))


async def record_customer_changes(db: AsyncDatabase[Any], app_id: str, old: Mapping[str, Mapping[str, Any]],
                                  new_docs: list[Mapping[str, Any]], now: datetime) -> set[str]:
    """The events of rebuilt customers (`new_docs`, stored form) against their stored documents (`old`, by
    `_id`, from `old_customers`), and their deliveries; returns the endpoints that got deliveries."""
    baseline: Baseline = await customer_events.baseline(db, app_id, now)
    specs = [(doc, diff_customer(app_id, old.get(str(doc["_id"])), doc, baseline, now)) for doc in new_docs]
    if not any(s for _, s in specs):
        return set()
    app = await registry.get_app(db, app_id)
    created = wall_clock()
    names = await _segment_names(db, app_id) if any("segment" in e for _, s in specs for e in s) else {}
    events = []
    for position, (doc, doc_specs) in enumerate(specs):
        before = list((old.get(str(doc["_id"])) or {}).get("segments") or [])
        after = list(doc.get("segments") or [])
        events += [_customer_event(app_id, app, spec, doc, before, after, created, position, i, names)
                   for i, spec in enumerate(doc_specs)]
    return await _store(db, app, events, created)


async def record_segment_changes(db: AsyncDatabase[Any], app_id: str, changed: Mapping[str, list[str]],
                                 now: datetime) -> set[str]:
    """The segment events of an app-level recompute (`changed`: customer id -> new segment keys), read
    against the stored customers, and their deliveries; returns the endpoints that got deliveries."""
    baseline = await customer_events.baseline(db, app_id, now)
    if not changed or not baseline.segments_live or now <= baseline.since:
        return set()
    stored = await customers.by_keys(db, list(changed), dict.fromkeys((*OLD_FIELDS, *SUMMARY_FIELDS), 1))
    app = await registry.get_app(db, app_id)
    created = wall_clock()
    names = await _segment_names(db, app_id)
    events = []
    for position, (key, new_segments) in enumerate(changed.items()):
        doc = stored.get(key)
        if doc is None:
            continue
        before = list(doc.get("segments") or [])
        specs = segment_events(app_id, str(doc.get("shop_id")), doc, new_segments, now)
        events += [_customer_event(app_id, app, spec, doc, before, new_segments, created, position, i, names)
                   for i, spec in enumerate(specs)]
    return await _store(db, app, events, created)


async def segments_settled(db: AsyncDatabase[Any], app_id: str, now: datetime) -> None:
    """An app-level recompute finished: segment changes emit events from the next one on."""
    await customer_events.baseline(db, app_id, now)
    await customer_events.mark_segments_live(db, app_id, now)


async def record_sync_failed(db: AsyncDatabase[Any], app_id: str, run_id: str, message: str,
                             now: datetime) -> set[str]:
    """A sync run of the app stopped on a permanent error: one `sync.failed` event (per run)."""
    app = await registry.get_app(db, app_id)
    created = wall_clock()
    event: dict[str, Any] = {
        "_id": event_id(app_id, SYNC_FAILED, run_id), "app_id": app_id, "shop_id": None, "customer_id": None,
        "type": SYNC_FAILED, "occurred_at": now, "seq": _seq(created, 0, 0), "segment": None,
             "customer_segments": [],
             "data": {"app": _app_fields(app, app_id), "sync": {"runId": run_id, "error": message[:1000]}}}
    return await _store(db, app, [event], created)


async def ensure_indexes(db: AsyncDatabase[Any]) -> None:
    """The indexes of the alert collections (idempotent; every service creates them with the base indexes,
    `crm_shared.store.indexes.ensure_base_indexes`)."""
    await customer_events.create_indexes(db)
    await webhook_endpoints.create_indexes(db)
    await webhook_deliveries.create_indexes(db)
