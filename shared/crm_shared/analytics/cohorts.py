"""Install-month and first-paid-month cohorts (pure).

Install-month cohort: non-test customers grouped by the UTC month of their
first install; for each month k since (k = 0 is the install month) the number
still installed and the number paying at the end of month k (the current
month: as of now).

First-paid-month cohort: non-test customers grouped by the month they first
had MRR > 0 and the currency of that first MRR; for each month k the number
paying and their total MRR in the cohort's currency at the end of month k.

Counting uses intervals and difference arrays, so the cost is proportional to
the number of MRR steps and timeline entries, not customers × months.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from crm_shared.analytics.days import month_ends, month_key
from crm_shared.analytics.movements import ZERO, history_until

INSTALL_TYPES = frozenset({"INSTALLED", "REINSTALLED"})


@dataclass
class InstallCohort:
    """Customers first installed in one month."""

    cohort: str
    size: int = 0
    ever_paid: int = 0
    installed: list[int] = field(default_factory=list)
    paying: list[int] = field(default_factory=list)


@dataclass
class PaidCohort:
    """Customers who first paid in one month, in one currency."""

    cohort: str
    currency: str
    size: int = 0
    paying: list[int] = field(default_factory=list)
    mrr: list[Decimal] = field(default_factory=list)


Interval = tuple[datetime, datetime | None, Decimal]


def _add_interval(diff: list[Any], ends: Sequence[datetime], start: datetime, stop: datetime | None,
                  value: Any) -> None:
    """Add `value` to every month k whose closing instant e satisfies start < e ≤ stop."""
    first = bisect_right(ends, start)
    last = len(ends) - 1 if stop is None else bisect_right(ends, stop) - 1
    if first <= last:
        diff[first] += value
        diff[last + 1] -= value


def _cumulate(diff: Sequence[Any], zero: Any) -> list[Any]:
    out, run = [], zero
    for v in diff[:-1]:
        run += v
        out.append(run)
    return out


def installed_intervals(timeline: Sequence[Mapping[str, Any]] | None, now: datetime) -> list[Interval]:
    """[start, stop) of every installed period (stop None while installed)."""
    out: list[Interval] = []
    opened: datetime | None = None
    for e in timeline or ():
        if e["occurred_at"] > now:
            break
        if e["type"] in INSTALL_TYPES and opened is None:
            opened = e["occurred_at"]
        elif e["type"] == "UNINSTALLED" and opened is not None:
            out.append((opened, e["occurred_at"], Decimal(1)))
            opened = None
    if opened is not None:
        out.append((opened, None, Decimal(1)))
    return out


def mrr_intervals(history: Sequence[Mapping[str, Any]] | None,
                  now: datetime) -> list[tuple[datetime, datetime | None, Decimal, str]]:
    """[start, stop) of every MRR step with MRR > 0: (start, stop, mrr, currency)."""
    steps = history_until(history, now)
    out: list[tuple[datetime, datetime | None, Decimal, str]] = []
    for i, s in enumerate(steps):
        mrr = Decimal(s["mrr"])
        if mrr > 0:
            stop = steps[i + 1]["at"] if i + 1 < len(steps) else None
            out.append((s["at"], stop, mrr, s.get("currency") or "USD"))
    return out


def _paying_periods(intervals: Sequence[tuple[datetime, datetime | None, Decimal, str]]
        ) -> list[tuple[datetime, datetime | None]]:
    """Merge adjacent paying steps into periods of continuous payment."""
    periods: list[tuple[datetime, datetime | None]] = []
    for start, stop, _, _ in intervals:
        if periods and periods[-1][1] == start:
            periods[-1] = (periods[-1][0], stop)
        else:
            periods.append((start, stop))
    return periods


def install_cohorts(customers: Iterable[Mapping[str, Any]], now: datetime) -> list[InstallCohort]:
    """Install-month cohorts, oldest first."""
    cohorts: dict[str, tuple[InstallCohort, list[datetime], list[int], list[int]]] = {}
    for c in customers:
        first = c.get("first_installed_at") or c.get("installed_at")
        if c.get("is_test") or first is None or first > now:
            continue
        key = month_key(first)
        if key not in cohorts:
            ends = month_ends(key, now)
            cohorts[key] = (InstallCohort(key), ends, [0] * (len(ends) + 1), [0] * (len(ends) + 1))
        cohort, ends, inst_diff, pay_diff = cohorts[key]
        cohort.size += 1
        for start, stop, _ in installed_intervals(c.get("timeline"), now):
            _add_interval(inst_diff, ends, start, stop, 1)
        paying = mrr_intervals(c.get("mrr_history"), now)
        if paying:
            cohort.ever_paid += 1
        for start, stop in _paying_periods(paying):
            _add_interval(pay_diff, ends, start, stop, 1)
    out = []
    for key in sorted(cohorts):
        cohort, _, inst_diff, pay_diff = cohorts[key]
        cohort.installed = _cumulate(inst_diff, 0)
        cohort.paying = _cumulate(pay_diff, 0)
        out.append(cohort)
    return out


def paid_cohorts(customers: Iterable[Mapping[str, Any]], now: datetime) -> list[PaidCohort]:
    """First-paid-month cohorts per currency, oldest first."""
    cohorts: dict[tuple[str, str], tuple[PaidCohort, list[datetime], list[int], list[Decimal]]] = {}
    for c in customers:
        if c.get("is_test"):
            continue
        intervals = mrr_intervals(c.get("mrr_history"), now)
        if not intervals:
            continue
        first_at, _, _, currency = intervals[0]
        key = (month_key(first_at), currency)
        if key not in cohorts:
            ends = month_ends(key[0], now)
            cohorts[key] = (PaidCohort(key[0], currency), ends, [0] * (len(ends) + 1), [ZERO] * (len(ends) + 1))
        cohort, ends, pay_diff, mrr_diff = cohorts[key]
        cohort.size += 1
        for start, stop in _paying_periods(intervals):
            _add_interval(pay_diff, ends, start, stop, 1)
        for start, stop, mrr, cur in intervals:
            if cur == currency:
                _add_interval(mrr_diff, ends, start, stop, mrr)
    out = []
    for key in sorted(cohorts):
        cohort, _, pay_diff, mrr_diff = cohorts[key]
        cohort.paying = _cumulate(pay_diff, 0)
        cohort.mrr = _cumulate(mrr_diff, ZERO)
        out.append(cohort)
    return out
