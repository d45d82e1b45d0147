"""MRR movements, ChartMogul's taxonomy, from each customer's MRR history.

A customer's MRR history is a step series ``[{at, mrr, currency, annotation}]``.
Movements are netted per customer and UTC day: the MRR at the end of the
previous day is compared with the MRR at the end of the day.

    start 0, end > 0        NEW (first time paying) or REACTIVATION (paid before)
    start > 0, end 0        CHURN          (−start)
    both > 0, same currency EXPANSION (+Δ) or CONTRACTION (−Δ)
    both > 0, currency moved CONTRACTION of −start in the old currency and
                            EXPANSION of +end in the new one (a plan change
                            across currencies is not churn, docs/customer-rules.md)

so, per currency, the sum of a day's movements is exactly the change of that
currency's total MRR over the day.  Test shops are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import groupby
from typing import Any

from crm_shared.analytics.days import day_of

NEW = "new"
EXPANSION = "expansion"
CONTRACTION = "contraction"
CHURN = "churn"
REACTIVATION = "reactivation"
KINDS: tuple[str, ...] = (NEW, EXPANSION, CONTRACTION, CHURN, REACTIVATION)

ZERO = Decimal(0)


@dataclass(frozen=True)
class DayChange:
    """One customer's MRR at the start and at the end of one day on which it moved."""

    day: date
    start_mrr: Decimal
    start_currency: str | None
    end_mrr: Decimal
    end_currency: str | None
    paid_before: bool  # had MRR > 0 at any time before this day


@dataclass(frozen=True)
class Movement:
    """One classified MRR movement of one customer."""

    day: date
    currency: str
    kind: str
    amount: Decimal  # churn and contraction negative


@dataclass
class MovementTotals:
    """A day's movements in one currency (amounts exact, counts of customers)."""

    amounts: dict[str, Decimal] = field(default_factory=lambda: {k: ZERO for k in KINDS})
    new_customers: int = 0
    churned_customers: int = 0
    reactivated_customers: int = 0

    @property
    def net(self) -> Decimal:
        """Sum of the day's movements: the change of total MRR."""
        return sum(self.amounts.values(), ZERO)

    def add(self, movement: Movement) -> None:
        """Book one customer's movement."""
        self.amounts[movement.kind] += movement.amount
        if movement.kind == NEW:
            self.new_customers += 1
        elif movement.kind == CHURN:
            self.churned_customers += 1
        elif movement.kind == REACTIVATION:
            self.reactivated_customers += 1


def history_until(history: Sequence[Mapping[str, Any]] | None, now: datetime) -> list[Mapping[str, Any]]:
    """The steps of an MRR history that happened at or before `now`, time-ordered (stable)."""
    return sorted((s for s in history or () if s["at"] <= now), key=lambda s: s["at"])


def day_changes(history: Sequence[Mapping[str, Any]] | None, now: datetime) -> list[DayChange]:
    """Per day with at least one step: MRR at the start and at the end of the day."""
    mrr, currency, paid = ZERO, None, False
    changes: list[DayChange] = []
    for day, group in groupby(history_until(history, now), key=lambda s: day_of(s["at"])):
        start_mrr, start_currency, paid_before = mrr, currency, paid
        for step in group:
            mrr, currency = Decimal(step["mrr"]), step.get("currency")
            paid = paid or mrr > 0
        if (start_mrr, start_currency if start_mrr else None) != (mrr, currency if mrr else None):
            changes.append(DayChange(day, start_mrr, start_currency, mrr, currency, paid_before))
    return changes


def classify(change: DayChange) -> list[Movement]:
    """The ChartMogul movements of one customer-day (see the module docstring)."""
    s, e = change.start_mrr, change.end_mrr
    if s <= 0 and e > 0:
        kind = REACTIVATION if change.paid_before else NEW
        return [Movement(change.day, _cur(change.end_currency), kind, e)]
    if s > 0 and e <= 0:
        return [Movement(change.day, _cur(change.start_currency), CHURN, -s)]
    if s <= 0 and e <= 0:
        return []
    if change.start_currency == change.end_currency:
        if e > s:
            return [Movement(change.day, _cur(change.end_currency), EXPANSION, e - s)]
        if e < s:
            return [Movement(change.day, _cur(change.end_currency), CONTRACTION, e - s)]
        return []
    return [
        Movement(change.day, _cur(change.start_currency), CONTRACTION, -s),
        Movement(change.day, _cur(change.end_currency), EXPANSION, e),
    ]


def _cur(currency: str | None) -> str:
    return currency or "USD"


def customer_movements(history: Sequence[Mapping[str, Any]] | None, now: datetime) -> list[Movement]:
    """Every movement of one customer, oldest first."""
    return [m for change in day_changes(history, now) for m in classify(change)]


def daily_movements(customers: Iterable[Mapping[str, Any]], now: datetime) -> dict[str, dict[date, MovementTotals]]:
    """{currency: {day: MovementTotals}} over the app's non-test customers."""
    out: dict[str, dict[date, MovementTotals]] = {}
    for c in customers:
        if c.get("is_test"):
            continue
        for m in customer_movements(c.get("mrr_history"), now):
            out.setdefault(m.currency, {}).setdefault(m.day, MovementTotals()).add(m)
    return out


def mrr_at(history: Sequence[Mapping[str, Any]] | None, at: datetime) -> tuple[Decimal, str | None]:
    """A customer's (MRR, currency) in force at instant `at` (the last step at or before it)."""
    mrr, currency = ZERO, None
    for step in history or ():
        if step["at"] <= at:
            mrr, currency = Decimal(step["mrr"]), step.get("currency")
        else:
            break
    return mrr, currency
