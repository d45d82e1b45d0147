"""Customer health: a 0–100 score and an A–F grade from six published factors.

The formula is the constant `HEALTH_FORMULA` (the text the API publishes
verbatim); it is written once and appended to this docstring at import.

Every window is half-open ("in the last 30 days" = less than 30 days ago), so
each factor changes exactly at a threshold instant (see `clock_changes`).
Each factor is returned with its impact in points and a one-line detail (dates,
not ages, so the detail only changes when the impact can).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from crm_shared.customer import vocabulary as v

HEALTH_FORMULA = """\
score = clamp(50 + payment_state + tenure + activity_recency + plan_trend
              + store_closure + reinstall_history, 0, 100)
payment_state      ACTIVE +25, TRIAL +10, FREE 0, CANCELLED -20, FROZEN -25,
                   UNINSTALLED -40; a further -10 when a charge was declined,
                   expired or frozen in the last 30 days
tenure             days as a paying customer: under 30 → 0, 30–89 → +5,
                   90–179 → +8, 180–364 → +12, 365 or more → +15
activity_recency   time since last activity: under 7 days +10,
                   under 14 days +5, under 30 days 0, 30 days or
                   more -10 (0 when nothing is known)
plan_trend         latest plan change in the last 60 days: upgrade +5,
                   downgrade -10, otherwise 0
store_closure      store closed now -15; reopened in the last 90 days -5
reinstall_history  one reinstall -5, two or more -10
grade              A ≥ 80, B ≥ 65, C ≥ 50, D ≥ 35, F below 35
"""
__doc__ = f"{__doc__}\nHEALTH_FORMULA:\n\n{textwrap.indent(HEALTH_FORMULA, '    ')}"

BASE_SCORE = 50
PAYMENT_POINTS = {
    v.STATUS_ACTIVE: 25, v.STATUS_TRIAL: 10, v.STATUS_FREE: 0,
    v.STATUS_CANCELLED: -20, v.STATUS_FROZEN: -25, v.STATUS_UNINSTALLED: -40,
}
PAYMENT_TROUBLE_POINTS = -10
PAYMENT_TROUBLE_WINDOW = timedelta(days=30)
PAYMENT_TROUBLE_TYPES = frozenset({v.TL_CHARGE_DECLINED, v.TL_CHARGE_EXPIRED, v.TL_FROZEN})
TENURE_STEPS = ((365, 15), (180, 12), (90, 8), (30, 5))  # (min days, points), first match
ACTIVITY_STEPS = ((7, 10), (14, 5), (30, 0))  # (under days, points), first match; beyond → STALE_POINTS
ACTIVITY_STALE_POINTS = -10
_ACTIVITY_WINDOWS = tuple((timedelta(days=d), p) for d, p in ACTIVITY_STEPS)
PLAN_TREND_WINDOW = timedelta(days=60)
PLAN_TREND_POINTS = {v.TL_UPGRADED: 5, v.TL_DOWNGRADED: -10, v.TL_PLAN_CHANGED: 0}
STORE_CLOSED_POINTS = -15
STORE_REOPENED_POINTS = -5
STORE_REOPENED_WINDOW = timedelta(days=90)
REINSTALL_POINTS = ((2, -10), (1, -5))  # (min reinstalls, points), first match
GRADES = ((80, "A"), (65, "B"), (50, "C"), (35, "D"))


@dataclass(slots=True)
class HealthInputs:
    """What the health score looks at (all already derived)."""

    status: str
    days_as_customer: int | None
    last_active_at: datetime | None
    last_payment_trouble_at: datetime | None
    last_plan_change: tuple[str, datetime] | None
    store_closed: bool
    last_store_reopened_at: datetime | None
    reinstalls: int


def grade_for(score: int) -> str:
    """The letter grade of a score."""
    for floor, grade in GRADES:
        if score >= floor:
            return grade
    return "F"


def compute_health(inputs: HealthInputs, now: datetime) -> dict[str, Any]:
    """``{score, grade, factors: [{name, impact, detail}]}`` per HEALTH_FORMULA."""
    factors = [
        _payment_state(inputs.status, inputs.last_payment_trouble_at, now),
        _tenure(inputs.days_as_customer),
        _activity(inputs.last_active_at, now),
        _plan_trend(inputs.last_plan_change, now),
        _store_closure(inputs.store_closed, inputs.last_store_reopened_at, now),
        _reinstalls(inputs.reinstalls),
    ]
    score = BASE_SCORE
    for factor in factors:
        score += factor["impact"]
    score = 0 if score < 0 else 100 if score > 100 else score
    return {"score": score, "grade": grade_for(score), "factors": factors}


def _payment_state(status: str, trouble: datetime | None, now: datetime) -> dict[str, Any]:
    impact = PAYMENT_POINTS[status]
    detail = f"status {status}"
    if trouble is not None and now - trouble < PAYMENT_TROUBLE_WINDOW:
        impact += PAYMENT_TROUBLE_POINTS
        detail += f"; declined, expired or frozen charge on {trouble.date().isoformat()}"
    return {"name": "payment_state", "impact": impact, "detail": detail}


def _tenure(days: int | None) -> dict[str, Any]:
    if days is None:
        return {"name": "tenure", "impact": 0, "detail": "never paid"}
    points = 0
    for min_days, step_points in TENURE_STEPS:
        if days >= min_days:
            points = step_points
            break
    return {"name": "tenure", "impact": points, "detail": f"{days} days as a paying customer"}


def _activity(last_active_at: datetime | None, now: datetime) -> dict[str, Any]:
    if last_active_at is None:
        return {"name": "activity_recency", "impact": 0, "detail": "no activity known"}
    age = now - last_active_at
    points = ACTIVITY_STALE_POINTS
    for under, step_points in _ACTIVITY_WINDOWS:
        if age < under:
            points = step_points
            break
    return {"name": "activity_recency", "impact": points,
            "detail": f"last active on {last_active_at.date().isoformat()}"}


def _plan_trend(last_change: tuple[str, datetime] | None, now: datetime) -> dict[str, Any]:
    if last_change is None or now - last_change[1] >= PLAN_TREND_WINDOW:
        return {"name": "plan_trend", "impact": 0, "detail": "no plan change in the last 60 days"}
    kind, at = last_change
    detail = f"{kind.lower().replace('_', ' ')} on {at.date().isoformat()}"
    return {"name": "plan_trend", "impact": PLAN_TREND_POINTS[kind], "detail": detail}


def _store_closure(store_closed: bool, reopened: datetime | None, now: datetime) -> dict[str, Any]:
    if store_closed:
        return {"name": "store_closure", "impact": STORE_CLOSED_POINTS, "detail": "store closed"}
    if reopened is not None and now - reopened < STORE_REOPENED_WINDOW:
        return {"name": "store_closure", "impact": STORE_REOPENED_POINTS,
                "detail": f"store reopened on {reopened.date().isoformat()}"}
    return {"name": "store_closure", "impact": 0, "detail": "store open"}


def _reinstalls(count: int) -> dict[str, Any]:
    for minimum, points in REINSTALL_POINTS:
        if count >= minimum:
            return {"name": "reinstall_history", "impact": points, "detail": f"{count} reinstalls"}
    return {"name": "reinstall_history", "impact": 0, "detail": "never reinstalled"}
