"""Billing interval and trial rules (docs/customer-rules.md)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.customer.history import History, day, midnight, sub_id
from tests.customer.test_relationship import types


def first_charge(billing_on_day: int, amount: str = "29.00") -> History:
    h = History().install(day(0)).charge(1, "Pro", amount, billing_on=midnight(billing_on_day))
    return h.activate(1, day(0, 60))


def test_annual_plan_mrr_is_amount_divided_by_twelve_from_the_sale() -> None:
    h = first_charge(365, "300.00").sale(1, day(10), "300.00", charge=sub_id(1), interval="ANNUAL")
    doc = h.derive(day(20))
    assert doc["billing_interval"] == "ANNUAL" and doc["billing_interval_inferred"] is False
    assert doc["mrr"] == Decimal("25")


def test_annual_charge_with_short_billing_on_is_a_trial() -> None:
    h = first_charge(30, "300.00").sale(1, day(40), "300.00", charge=sub_id(1), interval="ANNUAL")
    # Once the sale says ANNUAL, the 30-day gap is under the 364-day cycle: it was a trial.
    after = h.derive(day(45))
    assert after["status"] == "ACTIVE" and after["mrr"] == Decimal("25")
    assert types(after) == ["INSTALLED", "TRIAL_STARTED", "TRIAL_CONVERTED"]
    assert after["customer_since"] == midnight(30)


def test_annual_plan_inferred_from_billing_on_a_year_away() -> None:
    doc = first_charge(365, "300.00").derive(day(20))
    assert doc["billing_interval"] == "ANNUAL" and doc["billing_interval_inferred"] is False
    assert doc["mrr"] == Decimal("25") and doc["status"] == "ACTIVE"


def test_unknown_interval_is_flagged_as_inferred_monthly() -> None:
    doc = first_charge(30).derive(day(20))
    assert doc["billing_interval"] == "EVERY_30_DAYS"
    assert doc["billing_interval_inferred"] is True
    assert doc["charges"][0]["interval_inferred"] is True


def test_sale_interval_overrides_inference() -> None:
    doc = first_charge(30).sale(1, day(10), "29.00", charge=sub_id(1), interval="EVERY_30_DAYS").derive(day(20))
    assert doc["billing_interval_inferred"] is False


@pytest.mark.parametrize(
    ("billing_on_day", "trial"),
    [(14, True), (3, True), (2, False), (1, False), (29, True), (30, False), (45, False)],
)
def test_trial_by_billing_on_gap(billing_on_day: int, trial: bool) -> None:
    # Activation at day 0 10:01; billingOn at midnight of day N → gap N days − 10 h.
    doc = first_charge(billing_on_day).derive(day(0, 3600))
    assert (doc["status"] == "TRIAL") is trial
    assert (doc["trial_ends_at"] == midnight(billing_on_day)) is trial
    assert types(doc)[-1] == ("TRIAL_STARTED" if trial else "SUBSCRIBED")


def test_trial_mrr_is_zero_then_converts_at_billing_on() -> None:
    h = first_charge(14)
    during = h.derive(day(10))
    after = h.derive(day(20))
    assert during["status"] == "TRIAL" and during["mrr"] == Decimal(0) and during["customer_since"] is None
    assert after["status"] == "ACTIVE" and after["mrr"] == Decimal("29.00")
    assert after["customer_since"] == midnight(14)
    assert after["trial_ends_at"] == midnight(14)
    assert types(after)[-1] == "TRIAL_CONVERTED"
    assert after["mrr_history"][-1] == {"at": midnight(14), "mrr": Decimal("29.00"), "currency": "USD",
                                        "annotation": "TRIAL_CONVERTED"}


def test_no_second_trial() -> None:
    h = first_charge(14).cancel(1, day(5))
    h.charge(2, "Pro", "29.00", billing_on=midnight(20)).activate(2, day(6))  # gap 14 days, but not first
    doc = h.derive(day(8))
    assert doc["status"] == "ACTIVE" and doc["trial_ends_at"] is None
    assert types(doc) == ["INSTALLED", "TRIAL_STARTED", "CANCELLED", "SUBSCRIBED"]
    assert doc["customer_since"] == day(6)


def test_trial_cancelled_before_end_is_cancelled_and_keeps_trial_end() -> None:
    doc = first_charge(14).cancel(1, day(5)).derive(day(20))
    assert doc["status"] == "CANCELLED"
    assert doc["trial_ends_at"] == midnight(14)
    assert doc["customer_since"] is None and doc["days_as_customer"] is None
    assert "TRIAL_CONVERTED" not in types(doc)


def test_uninstall_during_trial_keeps_trial_end_and_never_converts() -> None:
    doc = first_charge(14).uninstall(day(5)).derive(day(20))
    assert doc["status"] == "UNINSTALLED" and doc["trial_ends_at"] == midnight(14)
    assert "TRIAL_CONVERTED" not in types(doc)


def test_plan_change_during_trial_continues_the_trial_until_new_billing_on() -> None:
    h = first_charge(14).charge(2, "Plus", "49.00", billing_on=midnight(16))
    h.activate(2, day(5)).cancel(1, day(5))
    during = h.derive(day(15))
    assert during["status"] == "TRIAL" and during["trial_ends_at"] == midnight(16)
    assert types(during)[-1] == "UPGRADED"
    after = h.derive(day(17))
    assert after["status"] == "ACTIVE" and after["mrr"] == Decimal("49.00")
    assert after["customer_since"] == midnight(16)
    assert types(after)[-1] == "TRIAL_CONVERTED"


def test_frozen_at_trial_end_converts_with_zero_mrr() -> None:
    h = first_charge(14).freeze(1, day(10))
    doc = h.derive(day(20))
    assert doc["status"] == "FROZEN" and doc["mrr"] == Decimal(0)
    assert doc["customer_since"] == midnight(14)


def test_trial_end_is_exclusive() -> None:
    h = first_charge(14)
    assert h.derive(midnight(14) - timedelta(seconds=1))["status"] == "TRIAL"
    assert h.derive(midnight(14))["status"] == "ACTIVE"
