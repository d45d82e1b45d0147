"""Daily per-currency snapshots."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from crm_shared.analytics.days import day_of
from crm_shared.analytics.snapshots import daily_snapshots
from tests.analytics.customer_factory import NOW, customer, days_ago, entry, step


def by_day(snaps: list, currency: str = "USD") -> dict:
    return {s.day: s for s in snaps if s.currency == currency}


def test_one_snapshot_per_currency_per_day_through_today() -> None:
    cs = [customer(1, installed_at=days_ago(3), mrr_history=[step(days_ago(3), "10")]),
          customer(2, currency="EUR", installed_at=days_ago(2), timeline=[entry("INSTALLED", days_ago(2), "EUR")])]
    snaps = daily_snapshots(cs, NOW)
    assert {s.currency for s in snaps} == {"USD", "EUR"}
    usd = by_day(snaps)
    assert min(usd) == day_of(days_ago(3)) and max(usd) == day_of(NOW)
    assert len(usd) == 4


def test_paying_count_total_mrr_and_installs() -> None:
    cs = [
        customer(1, installed_at=days_ago(5), mrr_history=[step(days_ago(5), "10"), step(days_ago(2), "30")]),
        customer(2, installed_at=days_ago(5), mrr_history=[step(days_ago(4), "20"), step(days_ago(1), "0")],
                 timeline=[entry("INSTALLED", days_ago(5)), entry("UNINSTALLED", days_ago(1))]),
    ]
    usd = by_day(daily_snapshots(cs, NOW))
    assert usd[day_of(days_ago(5))].installs == 2
    assert usd[day_of(days_ago(4))].total_mrr == Decimal("30")
    assert usd[day_of(days_ago(4))].active_customers == 2
    today_minus_1 = usd[day_of(days_ago(1))]
    assert today_minus_1.uninstalls == 1
    assert today_minus_1.movements.churned_customers == 1
    assert today_minus_1.total_mrr == Decimal("30") and today_minus_1.active_customers == 1
    assert usd[day_of(days_ago(2))].movements.amounts["expansion"] == Decimal("20")


def test_trial_counted_from_start_until_conversion() -> None:
    start, end = days_ago(10), days_ago(3)
    c = customer(1, status="ACTIVE", installed_at=start, trial_ends_at=end,
                 timeline=[entry("INSTALLED", start), entry("TRIAL_STARTED", start + timedelta(minutes=1)),
                           entry("TRIAL_CONVERTED", end)],
                 mrr_history=[step(end, "10", annotation="TRIAL_CONVERTED")])
    usd = by_day(daily_snapshots([c], NOW))
    assert usd[day_of(start)].trial_customers == 1
    assert usd[day_of(days_ago(4))].trial_customers == 1
    assert usd[day_of(end)].trial_customers == 0
    assert usd[day_of(end)].movements.new_customers == 1


def test_running_trial_is_counted_today() -> None:
    c = customer(1, status="TRIAL", mrr="0", installed_at=days_ago(2), trial_ends_at=days_ago(-5),
                 timeline=[entry("INSTALLED", days_ago(2)), entry("TRIAL_STARTED", days_ago(2))])
    assert by_day(daily_snapshots([c], NOW))[day_of(NOW)].trial_customers == 1


def test_no_data_no_snapshots() -> None:
    assert daily_snapshots([], NOW) == []
