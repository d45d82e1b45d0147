"""Install-month and first-paid-month cohorts."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from crm_shared.analytics.cohorts import install_cohorts, paid_cohorts
from tests.analytics.customer_factory import customer, entry, step

NOW = datetime(2026, 3, 15, tzinfo=timezone.utc)
JAN = datetime(2026, 1, 10, tzinfo=timezone.utc)


def test_install_cohort_counts_installed_and_paying_at_each_month_end() -> None:
    cs = [
        customer(1, installed_at=JAN, timeline=[entry("INSTALLED", JAN)],
                 mrr_history=[step(datetime(2026, 1, 20, tzinfo=timezone.utc), "10")]),
        customer(2, installed_at=JAN, timeline=[entry("INSTALLED", JAN),
                                                entry("UNINSTALLED", datetime(2026, 2, 5, tzinfo=timezone.utc))]),
        customer(3, installed_at=datetime(2026, 2, 1, tzinfo=timezone.utc),
                 timeline=[entry("INSTALLED", datetime(2026, 2, 1, tzinfo=timezone.utc))]),
    ]
    jan, feb = install_cohorts(cs, NOW)
    assert (jan.cohort, jan.size, jan.ever_paid) == ("2026-01", 2, 1)
    assert jan.installed == [2, 1, 1]  # end of Jan, end of Feb, now
    assert jan.paying == [1, 1, 1]
    assert (feb.cohort, feb.size, feb.installed) == ("2026-02", 1, [1, 1])


def test_reinstall_counts_as_installed_again() -> None:
    t = [entry("INSTALLED", JAN), entry("UNINSTALLED", datetime(2026, 1, 20, tzinfo=timezone.utc)),
         entry("REINSTALLED", datetime(2026, 2, 20, tzinfo=timezone.utc))]
    [jan] = install_cohorts([customer(1, installed_at=JAN, timeline=t)], NOW)
    assert jan.installed == [0, 1, 1]


def test_first_paid_cohort_tracks_paying_and_mrr_in_its_currency() -> None:
    cs = [
        customer(1, mrr_history=[step(JAN, "10"), step(datetime(2026, 2, 10, tzinfo=timezone.utc), "25")]),
        customer(2, mrr_history=[step(JAN, "10"), step(datetime(2026, 2, 10, tzinfo=timezone.utc), "0")]),
        customer(3, mrr_history=[step(JAN, "7", "EUR")]),
        customer(4, is_test=True, mrr_history=[step(JAN, "99")]),
    ]
    eur, usd = paid_cohorts(cs, NOW)
    assert (usd.cohort, usd.currency, usd.size) == ("2026-01", "USD", 2)
    assert usd.paying == [2, 1, 1]
    assert usd.mrr == [Decimal("20"), Decimal("25"), Decimal("25")]
    assert (eur.currency, eur.size, eur.mrr) == ("EUR", 1, [Decimal("7")] * 3)
