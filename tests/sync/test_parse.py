"""Partner API node -> raw document (pure)."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from bson import Decimal128

from crm_shared.errors import MalformedDataError
from crm_shared.ids import event_key
from crm_sync.parse import parse_event, parse_transaction
from tests.sync.nodes import APP, install_event, sale, subscription_event


def test_subscription_event_is_keyed_by_app_type_time_shop_and_charge() -> None:
    node = subscription_event()
    doc = parse_event(APP, node)
    assert doc["_id"] == event_key(APP, "SUBSCRIPTION_CHARGE_ACTIVATED", "2026-01-05T10:02:00Z",
                                   "gid://partners/Shop/1", "gid://shopify/AppSubscription/11")
    assert doc["shop_id"] == "gid://partners/Shop/1"
    assert doc["charge_id"] == "gid://shopify/AppSubscription/11"
    assert doc["occurred_at"] == datetime(2026, 1, 5, 10, 2, tzinfo=timezone.utc)
    assert doc["node"] is node


def test_same_second_events_of_different_charges_get_different_keys() -> None:
    cancel = subscription_event("SUBSCRIPTION_CHARGE_CANCELED", "SubscriptionChargeCanceled", charge_n=11)
    activate = subscription_event(charge_n=12)
    assert parse_event(APP, cancel)["_id"] != parse_event(APP, activate)["_id"]


def test_relationship_event_has_no_charge() -> None:
    assert parse_event(APP, install_event())["charge_id"] is None


def test_credit_event_uses_the_app_credit_id_as_charge() -> None:
    node = {"__typename": "CreditApplied", "type": "CREDIT_APPLIED", "occurredAt": "2026-01-05T10:00:00Z",
            "app": {"id": APP}, "shop": install_event()["shop"],
            "appCredit": {"id": "gid://shopify/AppCredit/7", "name": "sorry", "test": False,
                          "amount": {"amount": "5.00", "currencyCode": "USD"}}}
    assert parse_event(APP, node)["charge_id"] == "gid://shopify/AppCredit/7"


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda n: n.update(type="SOMETHING_NEW"), "unknown event type"),
        (lambda n: n.pop("shop"), "no shop"),
        (lambda n: n["charge"]["amount"].update(amount="29,00"), "not a decimal"),
        (lambda n: n["charge"]["amount"].update(amount=29.0), "not a decimal string"),
        (lambda n: n["charge"]["amount"].update(amount="NaN"), "not finite"),
        (lambda n: n.update(occurredAt="yesterday"), "ISO-8601"),
        (lambda n: n.pop("charge"), "charge is missing"),
        (lambda n: n.update(__typename="RelationshipInstalled"), "does not match"),
        (lambda n: n.update(app={"id": "gid://partners/App/999"}), "belongs to app"),
    ],
)
def test_malformed_event_is_rejected_whole(mutate, message: str) -> None:
    node = subscription_event()
    mutate(node)
    with pytest.raises(MalformedDataError, match=message):
        parse_event(APP, node)


def test_sale_amounts_are_exact_decimals_in_their_currency() -> None:
    doc = parse_transaction(APP, sale(gross="29.00", net="24.65", currency="EUR"))
    assert doc["_id"] == "gid://partners/AppSubscriptionSale/5001"
    assert doc["gross_amount"] == Decimal128(Decimal("29.00"))
    assert doc["net_amount"] == Decimal128(Decimal("24.65"))
    assert doc["currency"] == "EUR"
    assert doc["billing_interval"] == "EVERY_30_DAYS"
    assert doc["type"] == "AppSubscriptionSale"


def test_sale_without_shop_is_kept_with_no_shop() -> None:
    assert parse_transaction(APP, sale(shop_n=None))["shop_id"] is None


def test_refund_keeps_its_sign() -> None:
    node = sale(gross="-29.00", net="-24.65")
    node["__typename"] = "AppSaleAdjustment"
    del node["billingInterval"]
    doc = parse_transaction(APP, node)
    assert doc["gross_amount"].to_decimal() == Decimal("-29.00")
    assert doc["billing_interval"] is None


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda n: n.update(__typename="ThemeSale"), "unexpected transaction type"),
        (lambda n: n["grossAmount"].update(currencyCode="EUR"), "grossAmount in EUR"),
        (lambda n: n["netAmount"].update(amount="abc"), "not a decimal"),
        (lambda n: n.update(billingInterval="WEEKLY"), "billingInterval"),
        (lambda n: n.update(id=""), "not a gid"),
    ],
)
def test_malformed_transaction_is_rejected_whole(mutate, message: str) -> None:
    node = sale()
    mutate(node)
    with pytest.raises(MalformedDataError, match=message):
        parse_transaction(APP, node)
