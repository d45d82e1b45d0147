"""Partner API behaviour the scenarios did not show before: a cancel next to an uninstall, $0.00
subscription sales, refunds and credits (rules in shared/crm_shared/customer/README.md)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from crm_shared.analytics.movements import customer_movements
from tests.customer.history import History, day, midnight, sub_id


def paying_shop() -> History:
    """Installed on day 0, on Pro at 29.00 every 30 days with no trial, customer since day 0 + 60 s."""
    return History().charge(1, "Pro", "29.00", billing_on=midnight(30)).install(day(0)).activate(1, day(0, 60))


def types(doc: dict) -> list[str]:
    return [e["type"] for e in doc["timeline"]]


@pytest.mark.parametrize("offset", [0, -1, -30, -60, 1, 30, 60], ids=lambda s: f"cancel_at_uninstall{s:+d}s")
def test_cancel_within_a_minute_of_the_uninstall_is_the_uninstalls_own(offset: int) -> None:
    uninstall_at = day(100)
    doc = paying_shop().cancel(1, uninstall_at + timedelta(seconds=offset)).uninstall(uninstall_at).derive(day(120))
    assert types(doc) == ["INSTALLED", "SUBSCRIBED", "UNINSTALLED"]
    uninstalled = doc["timeline"][-1]
    assert uninstalled["occurred_at"] == uninstall_at
    assert uninstalled["mrr_before"] == Decimal("29.00") and uninstalled["mrr_after"] == 0
    last_step = doc["mrr_history"][-1]
    assert (last_step["at"], last_step["mrr"], last_step["annotation"]) == (uninstall_at, 0, "UNINSTALLED")
    assert doc["days_as_customer"] == (uninstall_at - day(0, 60)).days  # the churn date is the uninstall's
    assert doc["status"] == "UNINSTALLED" and doc["charges"][0]["state"] == "cancelled"


@pytest.mark.parametrize("offset", [-61, -600, -3 * 86400])
def test_a_cancel_further_before_the_uninstall_is_still_a_cancel(offset: int) -> None:
    uninstall_at = day(100)
    cancel_at = uninstall_at + timedelta(seconds=offset)
    doc = paying_shop().cancel(1, cancel_at).uninstall(uninstall_at).derive(day(120))
    assert types(doc) == ["INSTALLED", "SUBSCRIBED", "CANCELLED", "UNINSTALLED"]
    cancelled, uninstalled = doc["timeline"][-2:]
    assert (cancelled["occurred_at"], cancelled["mrr_before"], cancelled["mrr_after"]) == (
        cancel_at, Decimal("29.00"), 0)
    assert uninstalled["mrr_before"] == 0 and uninstalled["mrr_after"] == 0
    assert doc["mrr_history"][-1]["annotation"] == "CANCELLED"
    assert doc["days_as_customer"] == (cancel_at - day(0, 60)).days


def test_churn_movement_of_an_uninstall_cancel_falls_on_the_uninstall_day() -> None:
    """The cancel 40 s before midnight, the uninstall 10 s after it: the churn is the uninstall's day."""
    uninstall_at = midnight(100) + timedelta(seconds=10)
    doc = paying_shop().cancel(1, uninstall_at - timedelta(seconds=50)).uninstall(uninstall_at).derive(day(120))
    churn = [m for m in customer_movements(doc["mrr_history"], day(120)) if m.kind == "churn"]
    assert [(m.day, m.amount) for m in churn] == [(uninstall_at.date(), Decimal("-29.00"))]


def test_cancel_in_the_same_second_as_an_uninstall_with_a_plan_change_just_before() -> None:
    """A plan change (cancel + activation in one second) a minute before the uninstall stays a plan change,
    and the new charge's own cancel at the uninstall is the uninstall's."""
    h = paying_shop().charge(2, "Plus", "79.00", billing_on=midnight(130))
    h.cancel(1, day(100)).activate(2, day(100))
    h.cancel(2, day(100, 50)).uninstall(day(100, 50))
    doc = h.derive(day(120))
    assert types(doc) == ["INSTALLED", "SUBSCRIBED", "UPGRADED", "UNINSTALLED"]
    assert doc["timeline"][-1]["mrr_before"] == Decimal("79.00")


def test_trial_cancelled_with_the_uninstall_leaves_no_cancelled_entry() -> None:
    h = History().charge(1, "Pro", "29.00", billing_on=midnight(14)).install(day(0)).activate(1, day(0, 60))
    doc = h.cancel(1, day(5)).uninstall(day(5)).derive(day(20))
    assert types(doc) == ["INSTALLED", "TRIAL_STARTED", "UNINSTALLED"]
    assert doc["trial_ends_at"] == midnight(14) and doc["customer_since"] is None


def test_zero_dollar_sale_counts_zero_and_does_not_change_the_interval() -> None:
    """An annual plan (billingOn a year out) whose only sale so far is a $0.00 one saying EVERY_30_DAYS."""
    h = History().charge(1, "Pro Annual", "288.00", billing_on=midnight(366)).install(day(0))
    h.activate(1, day(0, 60)).sale(1, day(3), "0.00", charge=sub_id(1), interval="EVERY_30_DAYS")
    doc = h.derive(day(20))
    assert doc["billing_interval"] == "ANNUAL"  # from billingOn a year after the activation
    assert doc["mrr"] == Decimal("24.00")
    assert doc["lifetime_value"] == 0 and doc["lifetime_net"] == 0


def test_zero_dollar_sale_after_a_paid_sale_keeps_the_paid_sales_interval() -> None:
    h = History().charge(1, "Pro Annual", "288.00", billing_on=midnight(366)).install(day(0)).activate(1, day(0, 60))
    h.sale(1, day(2), "288.00", "244.80", charge=sub_id(1), interval="ANNUAL")
    h.sale(2, day(9), "0.00", "0.00", charge=sub_id(1), interval="EVERY_30_DAYS")
    doc = h.derive(day(20))
    assert doc["billing_interval"] == "ANNUAL" and doc["billing_interval_inferred"] is False
    assert doc["mrr"] == Decimal("24.00") and doc["lifetime_value"] == Decimal("288.00")


def test_zero_dollar_sale_at_a_trial_conversion_leaves_the_trial_alone() -> None:
    h = History().charge(1, "Pro", "29.00", billing_on=midnight(14)).install(day(0)).activate(1, day(0, 60))
    h.sale(1, day(1), "0.00", charge=sub_id(1), interval="EVERY_30_DAYS")
    in_trial = h.derive(day(5))
    assert in_trial["status"] == "TRIAL" and in_trial["mrr"] == 0 and in_trial["trial_ends_at"] == midnight(14)
    assert in_trial["customer_since"] is None
    converted = h.derive(day(20))
    assert converted["status"] == "ACTIVE" and converted["mrr"] == Decimal("29.00")
    assert converted["customer_since"] == midnight(14) and converted["lifetime_value"] == 0


def test_refunds_and_credits_lower_lifetime_value() -> None:
    h = paying_shop()
    h.sale(1, day(2), "29.00", "24.65", charge=sub_id(1), interval="EVERY_30_DAYS")
    h.sale(2, day(32), "29.00", "24.65", charge=sub_id(1), interval="EVERY_30_DAYS")
    h.sale(3, day(40), "-29.00", "-24.65", kind="AppSaleAdjustment", charge=sub_id(1))
    h.credit(1, day(41)).sale(4, day(42), "-10.00", "-8.50", kind="AppSaleCredit")
    doc = h.derive(day(50))
    assert doc["lifetime_value"] == Decimal("19.00")  # 29 + 29 - 29 - 10
    assert doc["lifetime_net"] == Decimal("16.15")
    assert doc["mrr"] == Decimal("29.00")  # a refund is money, not a plan change


def test_a_restated_refund_counts_once_in_its_latest_version() -> None:
    h = paying_shop().sale(1, day(2), "29.00", "24.65", charge=sub_id(1), interval="EVERY_30_DAYS")
    h.sale(2, day(10), "-29.00", "-24.65", kind="AppSaleAdjustment", charge=sub_id(1))
    h.sale(2, day(16), "-14.50", "-12.33", kind="AppSaleAdjustment", charge=sub_id(1))  # restated: half refund
    doc = h.derive(day(20))
    assert doc["lifetime_value"] == Decimal("14.50") and doc["lifetime_net"] == Decimal("12.32")
    before_restatement = h.derive(day(12))
    assert before_restatement["lifetime_value"] == Decimal("0.00")
