"""Billing interval, trial and monthly-amount rules (docs/customer-rules.md: Billing interval, Trial, MRR).

- Interval: the ``billingInterval`` of an ``AppSubscriptionSale`` of the charge;
  else ``ANNUAL`` when ``billingOn`` is at least 360 days after the activation;
  else ``EVERY_30_DAYS``, flagged as inferred (never silently monthly).
- Trial (first non-test activation only): gap = ``billingOn`` − activation;
  a trial when 2 days < gap < cycle − 1 day (cycle 30 or 365 days).
- Normalized monthly amount: annual ÷ 12, 30-day as is (exact Decimal).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from crm_shared.customer.vocabulary import ANNUAL, CYCLE, EVERY_30_DAYS

ANNUAL_GAP = timedelta(days=360)
MIN_TRIAL_GAP = timedelta(days=2)
ONE_DAY = timedelta(days=1)
_TWELVE = Decimal(12)


def billing_interval(
    sale_interval: str | None, activated_at: datetime | None, billing_on: datetime | None
) -> tuple[str, bool]:
    """``(interval, inferred)`` of a subscription charge."""
    if sale_interval in CYCLE:
        return sale_interval, False
    if activated_at is not None and billing_on is not None and billing_on - activated_at >= ANNUAL_GAP:
        return ANNUAL, False
    return EVERY_30_DAYS, True


def is_trial_gap(activated_at: datetime, billing_on: datetime | None, interval: str) -> bool:
    """Whether a first activation with this ``billingOn`` starts a trial (2 days < gap < cycle − 1 day)."""
    if billing_on is None:
        return False
    gap = billing_on - activated_at
    return MIN_TRIAL_GAP < gap < CYCLE[interval] - ONE_DAY


def monthly_amount(amount: Decimal, interval: str) -> Decimal:
    """Normalized monthly amount: annual ÷ 12, exact."""
    return amount / _TWELVE if interval == ANNUAL else amount
