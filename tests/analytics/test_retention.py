"""Retention, ARPPU, reactivation rate and average lifetime."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from crm_shared.analytics.retention import average_lifetime_days, retention
from tests.analytics.customer_factory import NOW, customer, days_ago, step


def window(cs: list[dict], days: int = 30) -> dict:
    today = NOW.date()
    return retention(cs, today - timedelta(days=days), today, NOW)


def test_logo_net_and_gross_retention_of_the_start_cohort() -> None:
    cs = [
        customer(1, mrr_history=[step(days_ago(100), "100"), step(days_ago(10), "150")]),  # expands
        customer(2, mrr_history=[step(days_ago(100), "100"), step(days_ago(10), "50")]),   # contracts
        customer(3, mrr_history=[step(days_ago(100), "100"), step(days_ago(10), "0")]),    # churns
        customer(4, mrr_history=[step(days_ago(100), "100")]),                              # stays
        customer(5, mrr_history=[step(days_ago(5), "500")]),                                # new: not in cohort
    ]
    r = window(cs)["USD"]
    assert (r.start_customers, r.retained_customers) == (4, 3)
    assert r.logo_retention == 0.75
    assert r.start_mrr == Decimal("400") and r.retained_mrr == Decimal("300")
    assert r.net_revenue_retention == 0.75
    assert r.gross_revenue_retention == 0.625  # (100 + 50 + 0 + 100) / 400
    assert r.expansion_revenue == Decimal("50")
    assert r.end_paying == 4 and r.end_mrr == Decimal("800") and r.arppu == Decimal("200")


def test_net_retention_can_exceed_one_gross_cannot() -> None:
    r = window([customer(1, mrr_history=[step(days_ago(100), "10"), step(days_ago(3), "30")])])["USD"]
    assert r.net_revenue_retention == 3.0 and r.gross_revenue_retention == 1.0


def test_reactivation_rate_over_the_churned_pool() -> None:
    cs = [
        customer(1, mrr_history=[step(days_ago(100), "10"), step(days_ago(60), "0"), step(days_ago(5), "10")]),
        customer(2, mrr_history=[step(days_ago(100), "10"), step(days_ago(60), "0")]),
        customer(3, mrr_history=[step(days_ago(100), "0")]),  # never paid: not in the pool
    ]
    r = window(cs)["USD"]
    assert (r.churned_pool, r.reactivated_customers, r.reactivation_rate) == (2, 1, 0.5)


def test_rates_are_none_without_a_denominator() -> None:
    r = window([customer(1, mrr_history=[step(days_ago(3), "10")])])["USD"]
    assert r.logo_retention is None and r.net_revenue_retention is None and r.reactivation_rate is None


def test_currencies_are_kept_apart_and_test_shops_left_out() -> None:
    cs = [customer(1, mrr_history=[step(days_ago(100), "10", "EUR")]),
          customer(2, is_test=True, mrr_history=[step(days_ago(100), "10")])]
    assert set(window(cs)) == {"EUR"}


def test_average_lifetime_over_customers_that_ever_paid() -> None:
    cs = [customer(1, customer_since=days_ago(100), days_as_customer=100),
          customer(2, customer_since=days_ago(300), days_as_customer=50),
          customer(3, customer_since=None, days_as_customer=None),
          customer(4, currency="EUR", customer_since=days_ago(10), days_as_customer=10)]
    assert average_lifetime_days(cs) == {"EUR": 10.0, "USD": 75.0}


def test_overall_average_lifetime_spans_currencies_and_skips_test_shops() -> None:
    from crm_shared.analytics.retention import overall_average_lifetime_days

    cs = [customer(1, customer_since=days_ago(100), days_as_customer=100),
          customer(2, currency="EUR", customer_since=days_ago(10), days_as_customer=10),
          customer(3, is_test=True, customer_since=days_ago(900), days_as_customer=900)]
    assert overall_average_lifetime_days(cs) == 55.0
    assert overall_average_lifetime_days([customer(4)]) is None
