"""Lifetime value, usage run-rate, currencies, display rounding and the Mongo codec."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from bson.decimal128 import Decimal128

from crm_shared.clock import to_iso
from crm_shared.customer import from_mongo, mrr_display, to_mongo
from tests.customer.history import History, day, midnight, sub_id
from tests.customer.test_relationship import paying_shop


def test_restated_transaction_counted_once_latest_version_wins() -> None:
    h = paying_shop().sale(1, day(20), "29.00", "24.65", charge=sub_id(1))
    h.sale(1, day(22), "25.00", "21.25", charge=sub_id(1))  # restated under the same id
    doc = h.derive(day(30))
    assert doc["lifetime_value"] == Decimal("25.00")
    assert doc["lifetime_net"] == Decimal("21.25")


def test_restatement_order_in_input_does_not_matter() -> None:
    h = paying_shop().sale(1, day(22), "25.00", charge=sub_id(1)).sale(1, day(20), "29.00", charge=sub_id(1))
    assert h.derive(day(30))["lifetime_value"] == Decimal("25.00")


def test_adjustments_and_credits_reduce_lifetime_value() -> None:
    h = paying_shop().sale(1, day(20), "29.00", "24.65", charge=sub_id(1))
    h.sale(2, day(21), "-10.00", "-8.50", kind="AppSaleAdjustment", charge=sub_id(1))
    h.sale(3, day(22), "-5.00", "-5.00", kind="AppSaleCredit")
    h.sale(4, day(23), "12.00", "10.20", kind="AppUsageSale")
    h.sale(5, day(24), "40.00", "34.00", kind="AppOneTimeSale")
    doc = h.derive(day(30))
    assert doc["lifetime_value"] == Decimal("66.00")
    assert doc["lifetime_net"] == Decimal("55.35")


def test_non_app_transactions_are_not_lifetime_value() -> None:
    h = paying_shop().sale(1, day(20), "29.00", charge=sub_id(1)).sale(2, day(21), "100.00", kind="ThemeSale")
    assert h.derive(day(30))["lifetime_value"] == Decimal("29.00")


def test_non_usd_kept_apart_and_main_value_in_shop_currency() -> None:
    h = History().install(day(0)).charge(1, "Pro", "25.00", "EUR", billing_on=midnight(30)).activate(1, day(0, 60))
    h.sale(1, day(20), "25.00", "21.25", currency="EUR", charge=sub_id(1))
    h.sale(2, day(21), "7.00", "6.00", currency="USD", kind="AppOneTimeSale")
    doc = h.derive(day(30))
    assert doc["currency"] == "EUR" and doc["mrr"] == Decimal("25.00")
    assert doc["lifetime_value"] == Decimal("25.00") and doc["lifetime_net"] == Decimal("21.25")
    assert doc["lifetime_by_currency"] == [
        {"currency": "EUR", "gross": Decimal("25.00"), "net": Decimal("21.25")},
        {"currency": "USD", "gross": Decimal("7.00"), "net": Decimal("6.00")},
    ]
    assert all(p["currency"] == "EUR" for p in doc["mrr_history"])


def test_transactions_after_now_are_not_yet_known() -> None:
    h = paying_shop().sale(1, day(20), "29.00", charge=sub_id(1)).sale(2, day(50), "29.00", charge=sub_id(1))
    assert h.derive(day(30))["lifetime_value"] == Decimal("29.00")


def test_usage_run_rate_is_last_30_days_of_usage_and_not_mrr() -> None:
    h = paying_shop().usage(1, day(5), "3.00").usage(2, day(40), "4.00").usage(3, day(55), "5.00")
    # a late sale for record 3 (already counted by its event) and one for a record without an event
    h.sale(7, day(58), "5.00", kind="AppUsageSale", charge="gid://shopify/AppUsageRecord/3")
    h.sale(8, day(59), "1.50", kind="AppUsageSale", charge="gid://shopify/AppUsageRecord/99")
    doc = h.derive(day(60))
    assert doc["usage_run_rate"] == Decimal("10.50")
    assert doc["mrr"] == Decimal("29.00")
    assert [e["type"] for e in doc["timeline"]].count("USAGE_CHARGE") == 3


def test_one_time_and_credit_entries_carry_amounts() -> None:
    doc = paying_shop().one_time(1, day(3), "50.00").credit(1, day(4), "10.00").derive(day(5))
    one_time, credit = doc["timeline"][-2:]
    assert (one_time["type"], one_time["detail"]) == ("ONE_TIME_CHARGE", "Setup: 50.00 USD")
    assert (credit["type"], credit["detail"]) == ("CREDIT", "Sorry: 10.00 USD")
    assert one_time["mrr_before"] == one_time["mrr_after"] == Decimal("29.00")


@pytest.mark.parametrize(
    ("amount", "shown"),
    [("29", "29.00"), ("2.415", "2.42"), ("2.425", "2.43"), ("2.4149", "2.41"), ("-0.001", "0.00"),
     ("24.1666666666666666666666667", "24.17"), ("0", "0.00"), ("1234567.005", "1234567.01")],
)
def test_mrr_display_rounds_half_up_to_two_decimals(amount: str, shown: str) -> None:
    assert mrr_display(Decimal(amount)) == shown


def test_codec_round_trips_decimals_through_decimal128() -> None:
    doc = paying_shop().sale(1, day(20), "29.00", "24.65", charge=sub_id(1)).derive(day(30))
    stored = to_mongo(doc)
    assert isinstance(stored["mrr"], Decimal128)
    assert isinstance(stored["timeline"][1]["mrr_after"], Decimal128)
    assert isinstance(stored["lifetime_by_currency"][0]["gross"], Decimal128)
    assert isinstance(doc["mrr"], Decimal)  # the input is not modified
    assert from_mongo(stored) == doc


def test_codec_keeps_other_values() -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    assert from_mongo(to_mongo({"a": [1, "x", None, when, {"b": Decimal("1.5")}]})) == {
        "a": [1, "x", None, when, {"b": Decimal("1.5")}]
    }
    assert to_iso(when) == "2026-01-01T00:00:00Z"
