"""Partner API node -> raw document (pure; no I/O, no clock).

Each function returns the complete document (see `crm_shared.documents`)
without `first_seen_at`, which the store sets on insert, or raises
`MalformedDataError` naming what is wrong, so a half-parsed document is never
written.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bson import Decimal128

from crm_shared.clock import parse_iso, to_iso
from crm_shared.errors import MalformedDataError
from crm_shared.ids import event_key

Node = dict[str, Any]
Document = dict[str, Any]

EVENT_TYPENAMES: dict[str, str] = {
    "RELATIONSHIP_INSTALLED": "RelationshipInstalled",
    "RELATIONSHIP_UNINSTALLED": "RelationshipUninstalled",
    "RELATIONSHIP_REACTIVATED": "RelationshipReactivated",
    "RELATIONSHIP_DEACTIVATED": "RelationshipDeactivated",
    "ONE_TIME_CHARGE_ACCEPTED": "OneTimeChargeAccepted",
    "ONE_TIME_CHARGE_ACTIVATED": "OneTimeChargeActivated",
    "ONE_TIME_CHARGE_DECLINED": "OneTimeChargeDeclined",
    "ONE_TIME_CHARGE_EXPIRED": "OneTimeChargeExpired",
    "SUBSCRIPTION_CHARGE_ACCEPTED": "SubscriptionChargeAccepted",
    "SUBSCRIPTION_CHARGE_ACTIVATED": "SubscriptionChargeActivated",
    "SUBSCRIPTION_CHARGE_CANCELED": "SubscriptionChargeCanceled",
    "SUBSCRIPTION_CHARGE_DECLINED": "SubscriptionChargeDeclined",
    "SUBSCRIPTION_CHARGE_EXPIRED": "SubscriptionChargeExpired",
    "SUBSCRIPTION_CHARGE_FROZEN": "SubscriptionChargeFrozen",
    "SUBSCRIPTION_CHARGE_UNFROZEN": "SubscriptionChargeUnfrozen",
    "SUBSCRIPTION_CAPPED_AMOUNT_UPDATED": "SubscriptionCappedAmountUpdated",
    "SUBSCRIPTION_APPROACHING_CAPPED_AMOUNT": "SubscriptionApproachingCappedAmount",
    "CREDIT_APPLIED": "CreditApplied",
    "CREDIT_FAILED": "CreditFailed",
    "CREDIT_PENDING": "CreditPending",
    "USAGE_CHARGE_APPLIED": "UsageChargeApplied",
}
CREDIT_TYPES = frozenset({"CREDIT_APPLIED", "CREDIT_FAILED", "CREDIT_PENDING"})
RELATIONSHIP_TYPES = frozenset(t for t in EVENT_TYPENAMES if t.startswith("RELATIONSHIP_"))
SALE_TYPENAMES = frozenset(
    {"AppSubscriptionSale", "AppUsageSale", "AppOneTimeSale", "AppSaleAdjustment", "AppSaleCredit"}
)
BILLING_INTERVALS = frozenset({"EVERY_30_DAYS", "ANNUAL"})

_GID = re.compile(r"^gid://[A-Za-z]+/[A-Za-z]+/[0-9A-Za-z-]+$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def _gid(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _GID.match(value):
        raise MalformedDataError(f"{what} is not a gid: {value!r}")
    return value


def _time(value: Any, what: str) -> tuple[datetime, str]:
    """The aware datetime and its canonical ISO string."""
    if not isinstance(value, str):
        raise MalformedDataError(f"{what} is not a timestamp: {value!r}")
    try:
        dt = parse_iso(value)
    except ValueError as exc:
        raise MalformedDataError(f"{what} is not an ISO-8601 timestamp: {value!r}") from exc
    return dt, to_iso(dt)


def money(value: Any, what: str) -> tuple[Decimal, str]:
    """Validate a `Money` object: a finite decimal string and an ISO currency code."""
    if not isinstance(value, dict):
        raise MalformedDataError(f"{what} is not a Money object: {value!r}")
    amount, currency = value.get("amount"), value.get("currencyCode")
    if not isinstance(amount, str):
        raise MalformedDataError(f"{what}.amount is not a decimal string: {amount!r}")
    try:
        dec = Decimal(amount)
    except InvalidOperation as exc:
        raise MalformedDataError(f"{what}.amount is not a decimal: {amount!r}") from exc
    if not dec.is_finite():
        raise MalformedDataError(f"{what}.amount is not finite: {amount!r}")
    if not isinstance(currency, str) or not _CURRENCY.match(currency):
        raise MalformedDataError(f"{what}.currencyCode is not a currency: {currency!r}")
    return dec, currency


def _app(node: Node, app_id: str) -> None:
    app = node.get("app")
    if isinstance(app, dict) and "id" in app and app["id"] != app_id:
        raise MalformedDataError(f"node belongs to app {app['id']!r}, not {app_id!r}")


def _shop_id(node: Node, required: bool) -> str | None:
    shop = node.get("shop")
    if shop is None:
        if required:
            raise MalformedDataError("event has no shop")
        return None
    if not isinstance(shop, dict):
        raise MalformedDataError(f"shop is not an object: {shop!r}")
    return _gid(shop.get("id"), "shop.id")


def _charge(node: Node, key: str) -> str:
    charge = node.get(key)
    if not isinstance(charge, dict):
        raise MalformedDataError(f"{key} is missing")
    charge_id = _gid(charge.get("id"), f"{key}.id")
    money(charge.get("amount"), f"{key}.amount")
    if "test" in charge and not isinstance(charge["test"], bool):
        raise MalformedDataError(f"{key}.test is not a boolean: {charge['test']!r}")
    if charge.get("billingOn") is not None:
        _time(charge["billingOn"], f"{key}.billingOn")
    return charge_id


def parse_event(app_id: str, node: Any) -> Document:
    """The `partner_events` document for an `AppEvent` node."""
    if not isinstance(node, dict):
        raise MalformedDataError(f"event node is not an object: {node!r}")
    type_ = node.get("type")
    typename = EVENT_TYPENAMES.get(type_) if isinstance(type_, str) else None
    if typename is None:
        raise MalformedDataError(f"unknown event type {type_!r}")
    if node.get("__typename", typename) != typename:
        raise MalformedDataError(f"__typename {node.get('__typename')!r} does not match type {type_}")
    _app(node, app_id)
    occurred_at, occurred_iso = _time(node.get("occurredAt"), "occurredAt")
    shop_id = _shop_id(node, required=True)
    if type_ in RELATIONSHIP_TYPES:
        charge_id = None
    else:
        charge_id = _charge(node, "appCredit" if type_ in CREDIT_TYPES else "charge")
    return {
        "_id": event_key(app_id, type_, occurred_iso, shop_id, charge_id),
        "app_id": app_id,
        "shop_id": shop_id,
        "type": type_,
        "occurred_at": occurred_at,
        "charge_id": charge_id,
        "node": node,
    }


def parse_transaction(app_id: str, node: Any) -> Document:
    """The `partner_transactions` document (without history) for an app sale node."""
    if not isinstance(node, dict):
        raise MalformedDataError(f"transaction node is not an object: {node!r}")
    typename = node.get("__typename")
    if typename not in SALE_TYPENAMES:
        raise MalformedDataError(f"unexpected transaction type {typename!r}")
    tx_id = _gid(node.get("id"), "id")
    _app(node, app_id)
    created_at, _ = _time(node.get("createdAt"), "createdAt")
    net, currency = money(node.get("netAmount"), "netAmount")
    gross: Decimal | None = None
    if node.get("grossAmount") is not None:
        gross, gross_currency = money(node["grossAmount"], "grossAmount")
        if gross_currency != currency:
            raise MalformedDataError(f"grossAmount in {gross_currency} but netAmount in {currency}")
    if node.get("shopifyFee") is not None:
        money(node["shopifyFee"], "shopifyFee")
    charge_id = node.get("chargeId")
    if charge_id is not None:
        _gid(charge_id, "chargeId")
    interval = node.get("billingInterval")
    if interval is not None and interval not in BILLING_INTERVALS:
        raise MalformedDataError(f"unknown billingInterval {interval!r}")
    return {
        "_id": tx_id,
        "app_id": app_id,
        "shop_id": _shop_id(node, required=False),
        "type": typename,
        "created_at": created_at,
        "charge_id": charge_id,
        "gross_amount": Decimal128(gross) if gross is not None else None,
        "net_amount": Decimal128(net),
        "currency": currency,
        "billing_interval": interval if typename == "AppSubscriptionSale" else None,
        "node": node,
    }
