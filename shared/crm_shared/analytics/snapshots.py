"""Daily per-currency snapshots of an app (the `app_metrics` documents, in Python values).

For every UTC day from the app's first data to `now`'s day and every currency
seen: total MRR and paying customers at the end of the day, customers in
trial at the end of the day, installs and uninstalls that day, new, churned
and reactivated customers and the day's MRR movements (see `movements`).
Today's snapshot is "as of now".  Test shops are left out.

Trial intervals come from the timeline: from ``TRIAL_STARTED`` to the
earliest of the customer's `trial_ends_at` and a later ``TRIAL_CONVERTED``,
``CANCELLED``, ``UNINSTALLED``, ``FROZEN`` or ``STORE_CLOSED`` entry.
Installs are ``INSTALLED`` and ``REINSTALLED`` entries, uninstalls
``UNINSTALLED`` entries, each counted in the entry's currency (else the
customer's).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from crm_shared.analytics.days import day_of, days_between
from crm_shared.analytics.movements import KINDS, ZERO, DayChange, MovementTotals, classify, day_changes

TRIAL_END_TYPES = frozenset({"TRIAL_CONVERTED", "CANCELLED", "UNINSTALLED", "FROZEN", "STORE_CLOSED"})
INSTALL_TYPES = frozenset({"INSTALLED", "REINSTALLED"})


@dataclass
class DailySnapshot:
    """One app's numbers for one currency and one UTC day."""

    currency: str
    day: date
    total_mrr: Decimal
    active_customers: int
    trial_customers: int
    installs: int
    uninstalls: int
    movements: MovementTotals = field(default_factory=MovementTotals)

    def as_dict(self) -> dict[str, Any]:
        """Plain values (Decimal money), field names of the `app_metrics` document."""
        return {
            "currency": self.currency,
            "day": self.day,
            "total_mrr": self.total_mrr,
            "active_customers": self.active_customers,
            "trial_customers": self.trial_customers,
            "installs": self.installs,
            "uninstalls": self.uninstalls,
            "new_customers": self.movements.new_customers,
            "churned_customers": self.movements.churned_customers,
            "reactivated_customers": self.movements.reactivated_customers,
            "movements": {k: self.movements.amounts[k] for k in KINDS},
        }


@dataclass
class _Deltas:
    """Per-currency, per-day changes accumulated over all customers."""

    mrr: dict[date, Decimal] = field(default_factory=dict)
    paying: dict[date, int] = field(default_factory=dict)
    trial: dict[date, int] = field(default_factory=dict)
    installs: dict[date, int] = field(default_factory=dict)
    uninstalls: dict[date, int] = field(default_factory=dict)
    movements: dict[date, MovementTotals] = field(default_factory=dict)


def _bump(counter: dict[date, int], day: date, by: int = 1) -> None:
    counter[day] = counter.get(day, 0) + by


def trial_interval(customer: Mapping[str, Any]) -> tuple[datetime, datetime | None, str | None] | None:
    """(start, end or None when still running, currency) of the customer's trial, if it had one."""
    timeline = customer.get("timeline") or ()
    for i, entry in enumerate(timeline):
        if entry["type"] != "TRIAL_STARTED":
            continue
        ends = [e["occurred_at"] for e in timeline[i + 1:] if e["type"] in TRIAL_END_TYPES]
        if customer.get("trial_ends_at") is not None:
            ends.append(customer["trial_ends_at"])
        end = min(ends) if ends else None
        return entry["occurred_at"], end, entry.get("currency") or customer.get("currency")
    return None


def _collect(customers: Sequence[Mapping[str, Any]], now: datetime,
             changes: Sequence[Sequence[DayChange]] | None) -> tuple[dict[str, _Deltas], date | None]:
    per_currency: dict[str, _Deltas] = {}
    first_day: date | None = None

    def deltas(currency: str | None) -> _Deltas:
        d = per_currency.get(currency or "USD")
        if d is None:
            d = per_currency[currency or "USD"] = _Deltas()
        return d

    for i, c in enumerate(customers):
        if c.get("is_test"):
            continue
        deltas(c.get("currency"))
        for ch in changes[i] if changes is not None else day_changes(c.get("mrr_history"), now):
            for m in classify(ch):
                d = deltas(m.currency)
                d.mrr[ch.day] = d.mrr.get(ch.day, ZERO) + m.amount
                d.movements.setdefault(ch.day, MovementTotals()).add(m)
            if ch.start_mrr > 0:
                _bump(deltas(ch.start_currency).paying, ch.day, -1)
            if ch.end_mrr > 0:
                _bump(deltas(ch.end_currency).paying, ch.day, +1)
        for entry in c.get("timeline") or ():
            at = entry["occurred_at"]
            if at > now:
                continue
            first_day = min(first_day, day_of(at)) if first_day else day_of(at)
            cur = entry.get("currency") or c.get("currency")
            if entry["type"] in INSTALL_TYPES:
                _bump(deltas(cur).installs, day_of(at))
            elif entry["type"] == "UNINSTALLED":
                _bump(deltas(cur).uninstalls, day_of(at))
        trial = trial_interval(c)
        if trial is not None and trial[0] <= now:
            start, end, cur = trial
            _bump(deltas(cur).trial, day_of(start), +1)
            if end is not None and end <= now:
                _bump(deltas(cur).trial, day_of(end), -1)
        for step in c.get("mrr_history") or ():
            if step["at"] <= now:
                first_day = min(first_day, day_of(step["at"])) if first_day else day_of(step["at"])
                break
    return per_currency, first_day


def daily_snapshots(customers: Sequence[Mapping[str, Any]], now: datetime,
                    changes: Sequence[Sequence[DayChange]] | None = None) -> list[DailySnapshot]:
    """Every currency's snapshot for every day from the first data to `now`'s day.

    `changes`, when given, holds each customer's `day_changes` up to `now` (aligned with `customers`)."""
    per_currency, first_day = _collect(customers, now, changes)
    if first_day is None:
        return []
    days = days_between(first_day, day_of(now))
    out: list[DailySnapshot] = []
    for currency in sorted(per_currency):
        d = per_currency[currency]
        mrr, paying, trial = ZERO, 0, 0
        for day in days:
            mrr += d.mrr.get(day, ZERO)
            paying += d.paying.get(day, 0)
            trial += d.trial.get(day, 0)
            out.append(DailySnapshot(
                currency=currency,
                day=day,
                total_mrr=mrr,
                active_customers=paying,
                trial_customers=trial,
                installs=d.installs.get(day, 0),
                uninstalls=d.uninstalls.get(day, 0),
                movements=d.movements.get(day) or MovementTotals(),
            ))
    return out
