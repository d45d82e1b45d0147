"""Derive a batch of customers from raw data and store them (bulk upserts).

A rebuilt customer gets its built-in segments at once, from the app context of
the last app-level recompute (percentiles, top plans), and keeps its saved
segment keys; the next app-level recompute (always scheduled after a change)
brings both up to date with the new population.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from bson import Decimal128
from pymongo.asynchronous.database import AsyncDatabase

from crm_analytics.raw_data import load_shops
from crm_shared.alerts import emit as alerts
from crm_shared.analytics.percentiles import Thresholds
from crm_shared.analytics.segments import BUILT_IN_KEYS, SegmentContext, built_in_segments
from crm_shared.customer import derive_customer, to_mongo
from crm_shared.errors import MalformedDataError
from crm_shared.ids import customer_key
from crm_shared.logs import get_logger
from crm_shared.store import app_summaries, customers, rebuild_outbox

log = get_logger(__name__)


def _dec(value: Any) -> Decimal:
    return value.to_decimal() if isinstance(value, Decimal128) else Decimal(value)


async def stored_segment_context(db: AsyncDatabase, app_id: str) -> SegmentContext:
    """The segment context of the app's last summary (empty before the first recompute)."""
    doc = await app_summaries.load(db, app_id, {"percentiles": 1, "top_plan": 1, "reports_activity": 1})
    if not doc:
        return SegmentContext()
    return SegmentContext(
        thresholds={cur: Thresholds(_dec(p["p20"]), _dec(p["p80"]))
                    for cur, p in (doc.get("percentiles") or {}).items()},
        top_plans={cur: frozenset(t.get("plans") or [t["plan"]]) for cur, t in (doc.get("top_plan") or {}).items()},
        reports_activity=bool(doc.get("reports_activity")),
    )


def saved_keys(segments: list[str] | None) -> list[str]:
    """The saved-segment keys among a customer's segment keys."""
    return [k for k in segments or [] if k not in BUILT_IN_KEYS]


async def rebuild_customers(
    db: AsyncDatabase, app_id: str, shop_ids: list[str], now: datetime, seg_ctx: SegmentContext,
    notify: Callable[[set[str]], None] | None = None,
) -> int:
    """Re-derive and store the customers of `shop_ids`; returns how many were written.

    A shop without any raw data is skipped (raw data only grows).  A shop whose
    raw data cannot be derived (a malformed node that reached the store) is
    logged and skipped: its previous customer document stays as it was, never
    half-written, and the other shops of the batch are rebuilt.

    The customer events of what changed (docs/alerts.md) are recorded with their webhook deliveries before
    the customers are written; `notify` gets the endpoints that got deliveries."""
    started = time.monotonic()
    marks = await rebuild_outbox.versions(db, app_id, shop_ids)  # read before the raw data
    raw = await load_shops(db, app_id, shop_ids)
    keys = [customer_key(app_id, s) for s in shop_ids]
    previous = await alerts.old_customers(db, keys)
    writes: list[dict[str, Any]] = []
    for shop_id in shop_ids:
        data = raw.get(shop_id)
        if data is None or data.empty:
            continue
        try:
            doc = derive_customer(app_id, shop_id, data.events, data.transactions, data.profile, now)
        except MalformedDataError as exc:
            log.warning("rebuild.malformed_raw_data", app_id=app_id, shop_id=shop_id, error=str(exc))
            continue
        doc["segments"] = built_in_segments(doc, seg_ctx, now) + saved_keys(
            (previous.get(doc["_id"]) or {}).get("segments"))
        writes.append(to_mongo(doc))
    endpoints = await alerts.record_customer_changes(db, app_id, previous, writes, now)  # before the customers
    await customers.replace_many(db, writes)
    if endpoints and notify is not None:
        notify(endpoints)
    log.info("rebuild.batch", app_id=app_id, shops=len(shop_ids), written=len(writes),
             seconds=round(time.monotonic() - started, 3))
    # Every shop of the batch was handled (a malformed one waits for new raw data, which marks it again).
    await rebuild_outbox.clear(db, app_id, marks)
    return len(writes)
