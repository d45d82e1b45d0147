"""Plan changes: cancel + activate within 60 s (either order) is not churn (docs/customer-rules.md, Plan change)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.customer.history import History, day, midnight, sub_id
from tests.customer.test_relationship import paying_shop, types


@pytest.mark.parametrize(
    ("name", "amount", "currency", "expected"),
    [
        ("Plus", "49.00", "USD", "UPGRADED"),
        ("Basic", "9.00", "USD", "DOWNGRADED"),
        ("Pro 2", "29.00", "USD", "PLAN_CHANGED"),
        ("Pro EU", "49.00", "EUR", "PLAN_CHANGED"),
    ],
)
def test_plan_change_is_not_churn(name: str, amount: str, currency: str, expected: str) -> None:
    h = paying_shop().charge(2, name, amount, currency, billing_on=midnight(70))
    h.activate(2, day(40)).cancel(1, day(40))
    doc = h.derive(day(45))
    assert types(doc) == ["INSTALLED", "SUBSCRIBED", expected]
    entry = doc["timeline"][-1]
    assert entry["mrr_before"] == Decimal("29.00") and entry["mrr_after"] == Decimal(amount)
    assert entry["charge_id"] == sub_id(2)
    assert doc["status"] == "ACTIVE" and doc["plan"] == name and doc["currency"] == currency


def test_cancel_first_then_activation_within_60s_is_a_plan_change() -> None:
    h = paying_shop().charge(2, "Plus", "49.00", billing_on=midnight(70))
    h.cancel(1, day(40)).activate(2, day(40, 45))
    doc = h.derive(day(45))
    assert types(doc) == ["INSTALLED", "SUBSCRIBED", "UPGRADED"]
    assert [p["mrr"] for p in doc["mrr_history"]] == [Decimal(0), Decimal("29.00"), Decimal("49.00")]
    assert doc["days_as_customer"] == 44  # since day 0 + 60 s, counted to now


def test_cancel_then_activation_after_61s_is_churn_then_reactivation() -> None:
    h = paying_shop().charge(2, "Plus", "49.00", billing_on=midnight(70))
    h.cancel(1, day(40)).activate(2, day(40, 61))
    assert types(h.derive(day(45))) == ["INSTALLED", "SUBSCRIBED", "CANCELLED", "REACTIVATED"]


def test_annual_plan_is_normalized_for_upgrade_comparison() -> None:
    # 290/year = 24.17/month < 29/month: a downgrade although the amount is larger.
    h = paying_shop().charge(2, "Pro yearly", "290.00", billing_on=midnight(405))
    h.activate(2, day(40)).cancel(1, day(40))
    doc = h.derive(day(45))
    assert types(doc)[-1] == "DOWNGRADED"
    assert doc["mrr"] == Decimal("290.00") / 12


def test_cancel_without_replacement_is_cancelled_with_churn_date() -> None:
    doc = paying_shop().cancel(1, day(40)).derive(day(50))
    assert doc["status"] == "CANCELLED"
    assert doc["mrr"] == Decimal(0)
    assert types(doc)[-1] == "CANCELLED"
    assert doc["days_as_customer"] == 39  # to the cancel, not to now
    assert doc["plan"] == "Pro"


def test_activation_replaces_the_live_charge() -> None:
    h = paying_shop().charge(2, "Plus", "49.00", billing_on=midnight(70)).activate(2, day(40))
    doc = h.derive(day(45))
    assert doc["plan"] == "Plus" and doc["mrr"] == Decimal("49.00")
    assert [c["charge_id"] for c in doc["charges"]] == [sub_id(1), sub_id(2)]


def test_declined_and_expired_charges_appear_and_leave_the_live_one() -> None:
    h = paying_shop().charge(2, "Plus", "49.00", billing_on=midnight(70))
    h.accept(2, day(40)).decline(2, day(40, 30))
    h.charge(3, "Plus", "49.00", billing_on=midnight(72)).accept(3, day(42)).expire(3, day(44))
    doc = h.derive(day(45))
    assert types(doc)[-2:] == ["CHARGE_DECLINED", "CHARGE_EXPIRED"]
    assert doc["status"] == "ACTIVE" and doc["plan"] == "Pro" and doc["mrr"] == Decimal("29.00")
    states = {c["charge_id"]: c["state"] for c in doc["charges"]}
    assert states == {sub_id(1): "active", sub_id(2): "declined", sub_id(3): "expired"}


def test_test_charges_are_excluded_but_make_a_test_shop() -> None:
    h = History().install(day(0)).charge(1, "Pro", "29.00", billing_on=midnight(30), test=True)
    h.activate(1, day(0, 60)).sale(1, day(10), "29.00", charge=sub_id(1))
    doc = h.derive(day(20))
    assert doc["status"] == "FREE" and doc["mrr"] == Decimal(0) and doc["plan"] == "Free"
    assert doc["is_test"] is True
    assert doc["lifetime_value"] == Decimal(0)
    assert types(doc) == ["INSTALLED"]


def test_a_shop_with_real_and_test_charges_is_not_a_test_shop() -> None:
    h = paying_shop().charge(2, "Dev", "1.00", billing_on=midnight(30), test=True).activate(2, day(3))
    doc = h.derive(day(5))
    assert doc["is_test"] is False and doc["plan"] == "Pro" and doc["mrr"] == Decimal("29.00")


def test_a_shop_without_charges_is_not_a_test_shop() -> None:
    assert History().install(day(0)).derive(day(1))["is_test"] is False


def test_one_time_purchase_alone_leaves_a_shop_free() -> None:
    h = History().install(day(0)).one_time(1, day(1)).sale(1, day(15), "50.00", kind="AppOneTimeSale")
    doc = h.derive(day(20))
    assert doc["status"] == "FREE" and doc["customer_since"] is None
    assert doc["lifetime_value"] == Decimal("50.00")
    assert types(doc) == ["INSTALLED", "ONE_TIME_CHARGE"]
