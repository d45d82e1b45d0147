"""When the clock alone changes a customer document (``next_change_at``).

Nothing but time passing can move a customer across these thresholds; the
analytics worker recomputes a customer at its ``next_change_at`` so status,
health and segments stay true without new Partner API data:

- the live charge's trial ends (TRIAL → ACTIVE, MRR steps up);
- 30 days after the first install (leaves the ``NEW`` segment);
- ``days_as_customer`` ticks once a day while the shop is paying (this also
  covers the tenure health steps and the VIP "more than 180 days" rule);
- 7, 14 and 30 days after the last activity (GROWTH, AT_RISK, VIP, health);
- 30 days after a declined, expired or frozen charge (AT_RISK, health);
- 60 days after a plan change (AT_RISK downgrade rule, health);
- 90 days after the store reopened (health);
- 30 days after each usage charge inside the run-rate window.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from crm_shared.customer.health import PAYMENT_TROUBLE_WINDOW, PLAN_TREND_WINDOW, STORE_REOPENED_WINDOW

NEW_WINDOW = timedelta(days=30)
USAGE_WINDOW = timedelta(days=30)
ACTIVITY_THRESHOLDS = (timedelta(days=7), timedelta(days=14), timedelta(days=30))
ONE_DAY = timedelta(days=1)


def earliest_after(now: datetime, moments: Iterable[datetime | None]) -> datetime | None:
    """The earliest moment strictly after ``now``, or None."""
    best: datetime | None = None
    for moment in moments:
        if moment is not None and moment > now and (best is None or moment < best):
            best = moment
    return best


def next_change_at(
    now: datetime,
    *,
    trial_ends_at: datetime | None,
    first_installed_at: datetime | None,
    installed: bool,
    paying_since: datetime | None,
    last_active_at: datetime | None,
    last_payment_trouble_at: datetime | None,
    last_plan_change_at: datetime | None,
    last_store_reopened_at: datetime | None,
    usage_times: Iterable[datetime],
) -> datetime | None:
    """The next moment the clock alone changes the document (see module docstring).

    ``trial_ends_at`` only while the live charge's trial is still to end; ``paying_since``
    only while ``days_as_customer`` counts up to now."""
    moments: list[datetime] = [] if trial_ends_at is None else [trial_ends_at]
    if installed and first_installed_at is not None:
        moments.append(first_installed_at + NEW_WINDOW)
    if paying_since is not None:
        moments.append(paying_since + ((now - paying_since) // ONE_DAY + 1) * ONE_DAY)
    if last_active_at is not None:
        for threshold in ACTIVITY_THRESHOLDS:  # ascending: the first one still to come is the earliest
            moment = last_active_at + threshold
            if moment > now:
                moments.append(moment)
                break
    if last_payment_trouble_at is not None:
        moments.append(last_payment_trouble_at + PAYMENT_TROUBLE_WINDOW)
    if last_plan_change_at is not None:
        moments.append(last_plan_change_at + PLAN_TREND_WINDOW)
    if last_store_reopened_at is not None:
        moments.append(last_store_reopened_at + STORE_REOPENED_WINDOW)
    for t in usage_times:
        moments.append(t + USAGE_WINDOW)
    return earliest_after(now, moments)
