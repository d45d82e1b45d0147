"""The four built-in segments, exactly as docs/customer-rules.md (Segments) defines them.

Each rule is a pure predicate over a customer document (Python values, as
`crm_shared.customer.codec.from_mongo` returns them), the app-level context
(percentile thresholds, highest-priced plans, whether the app reports
activity) and `now`.

Choices where §3 is silent (also published in the definitions):
- test shops are members of no built-in segment (they are left out of metrics);
- "highest-priced plan" of a currency = the plan name(s) with the highest MRR
  among the app's non-test ACTIVE customers in that currency;
- "a customer for more than 180 days" = `now − customer_since > 180 days`;
- "active in the last N days" = `last_active_at ≥ now − N days`, and "no
  activity for 14 days" its negation (`last_active_at` missing counts as
  inactive); only VIP skips its activity test when the app reports no activity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from crm_shared.analytics.percentiles import Thresholds, percentile_thresholds

VIP = "VIP"
AT_RISK = "AT_RISK"
GROWTH = "GROWTH"
NEW = "NEW"
BUILT_IN_KEYS: tuple[str, ...] = (VIP, AT_RISK, GROWTH, NEW)

BUILT_IN_NAMES: dict[str, str] = {
    VIP: "VIP",
    AT_RISK: "At risk",
    GROWTH: "Growth",
    NEW: "New",
}

BUILT_IN_DEFINITIONS: dict[str, str] = {
    VIP: (
        "ACTIVE, MRR at or above the 80th percentile of the MRR of the app's non-test ACTIVE customers in the "
        "same currency (linear interpolation), a paying customer for more than 180 days, and active in the last "
        "30 days (the activity test is skipped when the app reports no activity)."
    ),
    AT_RISK: (
        "Installed, and any of: FROZEN; a declined, expired or frozen charge in the last 30 days; a downgrade in "
        "the last 60 days; paying (MRR > 0) but no activity for 14 days; health grade D or F."
    ),
    GROWTH: (
        "ACTIVE, MRR at or above the 20th and below the 80th percentile of the MRR of the app's non-test ACTIVE "
        "customers in the same currency, active in the last 7 days, and not on the app's highest-priced plan "
        "(the plan with the highest MRR among ACTIVE customers in that currency)."
    ),
    NEW: "Installed now, and first installed within the last 30 days.",
}

RECENT_TROUBLE_TYPES = frozenset({"CHARGE_DECLINED", "CHARGE_EXPIRED", "FROZEN"})


@dataclass(frozen=True)
class SegmentContext:
    """App-level facts the segment rules need."""

    thresholds: Mapping[str, Thresholds] = field(default_factory=dict)
    top_plans: Mapping[str, frozenset[str]] = field(default_factory=dict)
    reports_activity: bool = False


def top_plans(customers: Iterable[Mapping[str, Any]]) -> dict[str, tuple[Decimal, frozenset[str]]]:
    """{currency: (highest MRR, plan names at that MRR)} over non-test ACTIVE customers."""
    best: dict[str, tuple[Decimal, set[str]]] = {}
    for c in customers:
        if c.get("is_test") or c.get("status") != "ACTIVE":
            continue
        mrr = Decimal(c["mrr"])
        current = best.get(c["currency"])
        if current is None or mrr > current[0]:
            best[c["currency"]] = (mrr, {c["plan"]})
        elif mrr == current[0]:
            current[1].add(c["plan"])
    return {cur: (mrr, frozenset(plans)) for cur, (mrr, plans) in best.items()}


def _active_within(customer: Mapping[str, Any], now: datetime, days: int) -> bool:
    last = customer.get("last_active_at")
    return last is not None and last >= now - timedelta(days=days)


def _recent(customer: Mapping[str, Any], types: frozenset[str], now: datetime, days: int) -> bool:
    since = now - timedelta(days=days)
    return any(
        e["type"] in types and since <= e["occurred_at"] <= now for e in customer.get("timeline") or ()
    )


def is_vip(customer: Mapping[str, Any], ctx: SegmentContext, now: datetime) -> bool:
    """The VIP rule."""
    if customer.get("status") != "ACTIVE":
        return False
    t = ctx.thresholds.get(customer["currency"])
    since = customer.get("customer_since")
    if t is None or since is None or Decimal(customer["mrr"]) < t.p80:
        return False
    if now - since <= timedelta(days=180):
        return False
    return not ctx.reports_activity or _active_within(customer, now, 30)


def is_at_risk(customer: Mapping[str, Any], now: datetime) -> bool:
    """The AT_RISK rule."""
    status = customer.get("status")
    if status == "UNINSTALLED":
        return False
    if status == "FROZEN":
        return True
    if _recent(customer, RECENT_TROUBLE_TYPES, now, 30):
        return True
    if _recent(customer, frozenset({"DOWNGRADED"}), now, 60):
        return True
    if Decimal(customer.get("mrr") or 0) > 0 and not _active_within(customer, now, 14):
        return True
    grade = (customer.get("health") or {}).get("grade")
    return grade in ("D", "F")


def is_growth(customer: Mapping[str, Any], ctx: SegmentContext, now: datetime) -> bool:
    """The GROWTH rule."""
    if customer.get("status") != "ACTIVE":
        return False
    t = ctx.thresholds.get(customer["currency"])
    if t is None:
        return False
    mrr = Decimal(customer["mrr"])
    if not (t.p20 <= mrr < t.p80):
        return False
    if not _active_within(customer, now, 7):
        return False
    return customer.get("plan") not in ctx.top_plans.get(customer["currency"], frozenset())


def is_new(customer: Mapping[str, Any], now: datetime) -> bool:
    """The NEW rule."""
    if customer.get("status") == "UNINSTALLED":
        return False
    first = customer.get("first_installed_at") or customer.get("installed_at")
    return first is not None and now - timedelta(days=30) <= first <= now


def built_in_segments(customer: Mapping[str, Any], ctx: SegmentContext, now: datetime) -> list[str]:
    """Keys of the built-in segments `customer` belongs to, in BUILT_IN_KEYS order."""
    if customer.get("is_test"):
        return []
    keys: list[str] = []
    if is_vip(customer, ctx, now):
        keys.append(VIP)
    if is_at_risk(customer, now):
        keys.append(AT_RISK)
    if is_growth(customer, ctx, now):
        keys.append(GROWTH)
    if is_new(customer, now):
        keys.append(NEW)
    return keys


def segment_context(customers: Sequence[Mapping[str, Any]], reports_activity: bool) -> SegmentContext:
    """Percentile thresholds and highest-priced plans of the app's customers."""
    return SegmentContext(
        thresholds=percentile_thresholds(customers),
        top_plans={cur: plans for cur, (_, plans) in top_plans(customers).items()},
        reports_activity=reports_activity,
    )
