"""Retention figures of an app over a window, per currency (pure).

For a window from the end of day `start_day` to the end of day `end_day`
(today's end = now):
- the *start cohort* of a currency = non-test customers paying (MRR > 0) in
  that currency at the window start;
- logo retention = share of the start cohort still paying (any currency) at the window end;
- net revenue retention (NRR) = their MRR in that currency at the window end ÷ at the window start
  (expansion counts, new customers do not);
- gross revenue retention (GRR) = Σ min(MRR at end, MRR at start) ÷ MRR at start
  (capped at 100 %: only losses count);
- expansion revenue = Σ EXPANSION movements of the window (every customer);
- reactivation rate = customers reactivated in the window ÷ the churned pool
  at the window start (had paid, not paying at the window start);
- ARPPU = total MRR ÷ paying customers at the window end;
- average lifetime = mean `days_as_customer` of every customer that ever paid.
Rates are floats rounded to 4 decimals (they are not money); None when the
denominator is zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from crm_shared.analytics.days import day_start
from crm_shared.analytics.movements import EXPANSION, REACTIVATION, ZERO, Movement, customer_movements, mrr_at


@dataclass(frozen=True)
class Retention:
    """Retention figures of one currency over one window."""

    currency: str
    start: datetime
    end: datetime
    start_customers: int
    retained_customers: int
    start_mrr: Decimal
    retained_mrr: Decimal  # the start cohort's MRR at the end (NRR numerator)
    gross_retained_mrr: Decimal  # Σ min(end, start) (GRR numerator)
    expansion_revenue: Decimal
    churned_pool: int
    reactivated_customers: int
    end_mrr: Decimal
    end_paying: int

    @property
    def logo_retention(self) -> float | None:
        return _rate(Decimal(self.retained_customers), Decimal(self.start_customers))

    @property
    def net_revenue_retention(self) -> float | None:
        return _rate(self.retained_mrr, self.start_mrr)

    @property
    def gross_revenue_retention(self) -> float | None:
        return _rate(self.gross_retained_mrr, self.start_mrr)

    @property
    def reactivation_rate(self) -> float | None:
        return _rate(Decimal(self.reactivated_customers), Decimal(self.churned_pool))

    @property
    def arppu(self) -> Decimal | None:
        if self.end_paying == 0:
            return None
        return self.end_mrr / self.end_paying


def _rate(num: Decimal, den: Decimal) -> float | None:
    if den == 0:
        return None
    return float((num / den).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def state_instant(day: date, now: datetime) -> datetime:
    """The instant that stands for "the end of `day`" (capped at `now`)."""
    return min(day_start(day + timedelta(days=1)) - timedelta(microseconds=1), now)


def retention(customers: Sequence[Mapping[str, Any]], start_day: date, end_day: date, now: datetime,
              movements: Sequence[Sequence[Movement]] | None = None) -> dict[str, Retention]:
    """{currency: Retention} from the end of `start_day` to the end of `end_day`, non-test customers.

    `movements`, when given, holds each customer's movements up to `now`
    (aligned with `customers`) so several windows share one computation."""
    s_at, e_at = state_instant(start_day, now), state_instant(end_day, now)
    acc: dict[str, dict[str, Any]] = {}

    def slot(cur: str | None) -> dict[str, Any]:
        a = acc.get(cur or "USD")
        if a is None:
            a = acc[cur or "USD"] = {
                "start_customers": 0, "retained_customers": 0, "start_mrr": ZERO, "retained_mrr": ZERO,
                "gross": ZERO, "expansion": ZERO, "pool": 0, "reactivated": 0, "end_mrr": ZERO, "end_paying": 0,
            }
        return a

    for i, c in enumerate(customers):
        if c.get("is_test"):
            continue
        history = c.get("mrr_history")
        s_mrr, s_cur = mrr_at(history, s_at)
        e_mrr, e_cur = mrr_at(history, e_at)
        if s_mrr > 0:
            a = slot(s_cur)
            a["start_customers"] += 1
            a["start_mrr"] += s_mrr
            a["retained_customers"] += 1 if e_mrr > 0 else 0
            end_same = e_mrr if e_cur == s_cur else ZERO
            a["retained_mrr"] += end_same
            a["gross"] += min(end_same, s_mrr)
        if e_mrr > 0:
            a = slot(e_cur)
            a["end_mrr"] += e_mrr
            a["end_paying"] += 1
        last_paid = _last_paid_currency(history, s_at) if s_mrr == 0 else None
        churned_at_start = last_paid is not None
        if churned_at_start:
            slot(last_paid)["pool"] += 1
        reactivated = False
        moves = movements[i] if movements is not None else customer_movements(history, now)
        for m in moves:
            if not start_day < m.day <= end_day:
                continue
            if m.kind == EXPANSION:
                slot(m.currency)["expansion"] += m.amount
            elif m.kind == REACTIVATION and churned_at_start and not reactivated:
                reactivated = True
                slot(last_paid)["reactivated"] += 1
    return {
        cur: Retention(
            currency=cur, start=s_at, end=e_at,
            start_customers=a["start_customers"], retained_customers=a["retained_customers"],
            start_mrr=a["start_mrr"], retained_mrr=a["retained_mrr"], gross_retained_mrr=a["gross"],
            expansion_revenue=a["expansion"], churned_pool=a["pool"], reactivated_customers=a["reactivated"],
            end_mrr=a["end_mrr"], end_paying=a["end_paying"],
        )
        for cur, a in sorted(acc.items())
    }


def _last_paid_currency(history: Sequence[Mapping[str, Any]] | None, at: datetime) -> str | None:
    """Currency of the last paying step at or before `at` (None if it never paid by then)."""
    currency = None
    for step in history or ():
        if step["at"] > at:
            break
        if Decimal(step["mrr"]) > 0:
            currency = step.get("currency") or "USD"
    return currency


def average_lifetime_days(customers: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """{currency: mean days_as_customer} over non-test customers that ever paid."""
    sums: dict[str, list[int]] = {}
    for c in customers:
        if c.get("is_test") or c.get("customer_since") is None or c.get("days_as_customer") is None:
            continue
        s = sums.setdefault(c.get("currency") or "USD", [0, 0])
        s[0] += int(c["days_as_customer"])
        s[1] += 1
    return {cur: round(total / n, 1) for cur, (total, n) in sorted(sums.items()) if n}


def overall_average_lifetime_days(customers: Sequence[Mapping[str, Any]]) -> float | None:
    """Mean days_as_customer over every non-test customer that ever paid (None when none did)."""
    days = [int(c["days_as_customer"]) for c in customers
            if not c.get("is_test") and c.get("customer_since") is not None and c.get("days_as_customer") is not None]
    return round(sum(days) / len(days), 1) if days else None
