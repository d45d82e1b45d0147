"""App-level recompute: segments on every customer, `app_metrics`, `app_summaries`.

Reads the app's stored customers, runs the pure `crm_shared.analytics`
computation, evaluates saved segments with the gateway's filter translation,
and writes only what changed (segment lists, daily snapshots), plus the one
summary document.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from crm_analytics.raw_data import app_reports_activity
from crm_shared.alerts import emit as alerts
from crm_shared.analytics import compute_app
from crm_shared.analytics.days import day_start
from crm_shared.analytics.segments import BUILT_IN_DEFINITIONS, BUILT_IN_NAMES
from crm_shared.analytics.snapshots import DailySnapshot
from crm_shared.customer import from_mongo, to_mongo
from crm_shared.customer_filter import build_query
from crm_shared.errors import CrmError
from crm_shared.logs import get_logger
from crm_shared.store import app_metrics, app_summaries, customers, saved_segments

log = get_logger(__name__)

CUSTOMER_FIELDS = (
    "status", "mrr", "currency", "plan", "is_test", "customer_since", "days_as_customer", "last_active_at",
    "first_installed_at", "installed_at", "trial_ends_at", "health.grade", "timeline", "mrr_history", "segments",
)


@dataclass
class RecomputeResult:
    """What one app-level recompute did."""

    customers: int
    segments_updated: int
    metrics_written: int
    metrics_deleted: int


async def saved_segment_members(db: AsyncDatabase, app_id: str, now: datetime) -> dict[str, set[str]]:
    """{saved segment key: customer ids matching its filter} (a filter that no longer parses is logged, skipped)."""
    members: dict[str, set[str]] = {}
    for seg in await saved_segments.of_app(db, app_id):
        try:
            query = build_query(app_id, dict(seg.get("filter") or {}), now)
        except (CrmError, ValueError) as exc:
            log.warning("recompute.saved_segment_skipped", app_id=app_id, segment=seg.get("key"), error=str(exc))
            continue
        members[seg["key"]] = await customers.ids_matching(db, query)
    return members


def metrics_document(app_id: str, snap: DailySnapshot) -> dict[str, Any]:
    """The `app_metrics` document of one snapshot (Decimal128 money)."""
    body = snap.as_dict()
    day = body.pop("day")
    return to_mongo({
        "_id": f"{app_id}|{snap.currency}|{day.isoformat()}",
        "app_id": app_id,
        "date": day_start(day),
        **body,
    })


async def recompute_app(db: AsyncDatabase, app_id: str, now: datetime,
                        notify: Callable[[set[str]], None] | None = None) -> RecomputeResult:
    """Recompute every app-level number of `app_id` as of `now` and store it (segment events and their
    webhook deliveries are recorded before the segments; `notify` gets the endpoints that got deliveries)."""
    stored = [from_mongo(d) for d in await customers.for_recompute(db, app_id, CUSTOMER_FIELDS)]
    activity = await app_reports_activity(db, app_id)
    comp = compute_app(stored, now, activity)
    saved = await saved_segment_members(db, app_id, now)

    changed: dict[str, list[str]] = {}
    for c in stored:
        keys = comp.segments[c["_id"]] + sorted(k for k, ids in saved.items() if c["_id"] in ids)
        if keys != (c.get("segments") or []):
            changed[c["_id"]] = keys
    endpoints = await alerts.record_segment_changes(db, app_id, changed, now)
    await customers.set_segments(db, changed)
    if endpoints and notify is not None:
        notify(endpoints)

    wanted = {d["_id"]: d for d in (metrics_document(app_id, s) for s in comp.snapshots)}
    written, deleted = await app_metrics.replace_app(db, app_id, wanted)

    summary = dict(comp.summary)
    summary["segment_counts"] = {**summary["segment_counts"], **{k: len(ids) for k, ids in sorted(saved.items())}}
    summary["built_in_segments"] = [
        {"key": k, "name": BUILT_IN_NAMES[k], "definition": BUILT_IN_DEFINITIONS[k]} for k in BUILT_IN_DEFINITIONS
    ]
    await app_summaries.store(db, app_id, to_mongo({"_id": app_id, "app_id": app_id, "computed_at": now, **summary}))
    await alerts.segments_settled(db, app_id, now)
    return RecomputeResult(len(stored), len(changed), written, deleted)
