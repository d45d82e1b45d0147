"""A customer's MRR history as chart points: each step with its cause and plan, optionally closed at now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_gateway.graphql.enums import TimelineEntryType
from crm_gateway.graphql.types.money import money
from crm_gateway.graphql.types.mrr_point import MrrPoint

_TYPES = {t.value for t in TimelineEntryType}


def mrr_history_points(doc: dict[str, Any], now: datetime, close_at_now: bool) -> list[MrrPoint]:
    """The stored `mrr_history` steps, each with the plan of the timeline entry that caused it.

    A step and its timeline entry share time and type; a step with no such
    entry keeps the plan of the step before it.  With `close_at_now`, a last
    point at `now` repeats the current value (a step chart then reaches today).
    """
    plans = {(e["occurred_at"], e["type"]): e.get("plan") for e in doc.get("timeline") or []}
    currency = doc.get("currency")
    points: list[MrrPoint] = []
    plan: str | None = None
    for step in doc.get("mrr_history") or []:
        kind = step.get("annotation")
        plan = plans.get((step["at"], kind), plan)
        points.append(MrrPoint(
            at=step["at"], mrr=money(step.get("mrr"), step.get("currency") or currency),
            annotation=kind, plan=plan,
            kind=TimelineEntryType(kind) if kind in _TYPES else None,
        ))
    if close_at_now and points and points[-1].at < now:
        last = points[-1]
        points.append(MrrPoint(at=now, mrr=last.mrr, annotation=None, plan=doc.get("plan") or last.plan, kind=None,
                               closing=True))
    return points
