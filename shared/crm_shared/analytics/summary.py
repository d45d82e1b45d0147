"""Everything app-level in one pure pass: segments, snapshots and the summary.

`compute_app(customers, now, reports_activity)` takes the app's customer
documents (Python values: `Decimal` money, aware datetimes) and returns the
built-in segment keys of every customer, the daily snapshots and the
`app_summaries` body (Python values; the worker converts money to
Decimal128).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from crm_shared.analytics.cohorts import install_cohorts, paid_cohorts
from crm_shared.analytics.days import day_of
from crm_shared.analytics.movements import classify, day_changes
from crm_shared.analytics.percentiles import percentile_population
from crm_shared.analytics.retention import Retention, average_lifetime_days, overall_average_lifetime_days, retention
from crm_shared.analytics.segments import BUILT_IN_KEYS, SegmentContext, built_in_segments, segment_context, top_plans
from crm_shared.analytics.snapshots import DailySnapshot, daily_snapshots

RETENTION_WINDOWS: dict[str, int] = {"30d": 30, "90d": 90, "365d": 365}
STATUSES = ("ACTIVE", "TRIAL", "FROZEN", "CANCELLED", "UNINSTALLED", "FREE")


@dataclass
class AppComputation:
    """The app-level results of one recompute."""

    context: SegmentContext
    segments: dict[str, list[str]] = field(default_factory=dict)  # customer _id -> built-in keys
    snapshots: list[DailySnapshot] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def retention_body(r: Retention) -> dict[str, Any]:
    """A `Retention` as plain summary values."""
    return {
        "start": r.start, "end": r.end,
        "start_customers": r.start_customers, "retained_customers": r.retained_customers,
        "logo_retention": r.logo_retention,
        "start_mrr": r.start_mrr, "retained_mrr": r.retained_mrr,
        "net_revenue_retention": r.net_revenue_retention,
        "gross_revenue_retention": r.gross_revenue_retention,
        "expansion_revenue": r.expansion_revenue,
        "churned_pool": r.churned_pool, "reactivated_customers": r.reactivated_customers,
        "reactivation_rate": r.reactivation_rate,
        "total_mrr": r.end_mrr, "paying_customers": r.end_paying, "arppu": r.arppu,
    }


def compute_app(customers: Sequence[Mapping[str, Any]], now: datetime, app_reports_activity: bool) -> AppComputation:
    """Segments, daily snapshots and the summary body of one app as of `now`."""
    ctx = segment_context(customers, app_reports_activity)
    result = AppComputation(context=ctx)
    seg_counts: Counter[str] = Counter({k: 0 for k in BUILT_IN_KEYS})
    status_counts: Counter[str] = Counter({s: 0 for s in STATUSES})
    test_count = 0
    for c in customers:
        keys = built_in_segments(c, ctx, now)
        result.segments[c["_id"]] = keys
        seg_counts.update(keys)
        if c.get("is_test"):
            test_count += 1
        else:
            status_counts[c["status"]] += 1
    changes = [day_changes(c.get("mrr_history"), now) for c in customers]
    moves = [[m for ch in chs for m in classify(ch)] for chs in changes]
    result.snapshots = daily_snapshots(customers, now, changes)
    today = day_of(now)
    population = percentile_population(customers)
    tops = top_plans(customers)
    result.summary = {
        "as_of": now,
        "reports_activity": app_reports_activity,
        "customers": sum(status_counts.values()),
        "test_customers": test_count,
        "counts_by_status": dict(status_counts),
        "segment_counts": dict(seg_counts),
        "percentiles": {
            cur: {"p20": t.p20, "p80": t.p80, "population": len(population[cur])}
            for cur, t in sorted(ctx.thresholds.items())
        },
        "top_plan": {
            cur: {"plan": sorted(plans)[0], "plans": sorted(plans), "mrr": mrr}
            for cur, (mrr, plans) in sorted(tops.items())
        },
        "retention": {
            name: {cur: retention_body(r)
                   for cur, r in retention(customers, today - timedelta(days=days), today, now, moves).items()}
            for name, days in RETENTION_WINDOWS.items()
        },
        "average_lifetime_days": overall_average_lifetime_days(customers),
        "average_lifetime_days_by_currency": average_lifetime_days(customers),
        "cohorts": {
            "install_month": [
                {"cohort": c.cohort, "size": c.size, "ever_paid": c.ever_paid,
                 "installed": c.installed, "paying": c.paying}
                for c in install_cohorts(customers, now)
            ],
            "first_paid_month": [
                {"cohort": c.cohort, "currency": c.currency, "size": c.size, "paying": c.paying, "mrr": c.mrr}
                for c in paid_cohorts(customers, now)
            ],
        },
    }
    totals: dict[str, dict[str, Any]] = {}
    for snap in result.snapshots:
        if snap.day == today:
            totals[snap.currency] = {
                "total_mrr": snap.total_mrr,
                "paying_customers": snap.active_customers,
                "trial_customers": snap.trial_customers,
                "arppu": (snap.total_mrr / snap.active_customers) if snap.active_customers else None,
            }
    result.summary["by_currency"] = totals
    return result

