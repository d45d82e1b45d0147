"""Builders of Partner API nodes (events, charges, transactions, money) as plain dicts."""

from __future__ import annotations

import time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from partner_sim.scenario import typename_for

CENT = Decimal("0.01")
#: Sales before this date carry ``chargeId: null`` (as in production).
CHARGE_ID_SINCE = 1598918400  # 2020-09-01T00:00:00Z
#: Shopify's revenue share: 20 % before 2021-08-01, 15 % since.
FEE_CHANGE = 1627776000  # 2021-08-01T00:00:00Z


_DAYS: dict[int, str] = {}


def iso(ts: int) -> str:
    """Epoch seconds → ``YYYY-MM-DDTHH:MM:SSZ``."""
    day, rest = divmod(ts, 86400)
    prefix = _DAYS.get(day)
    if prefix is None:
        prefix = _DAYS[day] = time.strftime("%Y-%m-%dT", time.gmtime(day * 86400))
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{prefix}{hours:02d}:{minutes:02d}:{seconds:02d}Z"


def money(amount: Decimal, currency: str) -> dict[str, str]:
    """A ``Money`` node with a two-decimal string amount."""
    return {"amount": f"{amount.quantize(CENT, rounding=ROUND_HALF_UP)}", "currencyCode": currency}


def fee_for(gross: Decimal, ts: int) -> Decimal:
    """Shopify's fee on a sale (same sign as the gross amount)."""
    rate = Decimal("0.20") if ts < FEE_CHANGE else Decimal("0.15")
    return (gross * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def charge_node(charge_id: str, name: str, test: bool, amount: Decimal, currency: str,
                billing_on: int | None = None) -> dict[str, Any]:
    """An ``AppSubscription`` (with ``billingOn``) or another ``AppCharge``."""
    node: dict[str, Any] = {"id": charge_id, "name": name, "test": test}
    if billing_on is not None:
        node["billingOn"] = iso(billing_on)
    node["amount"] = money(amount, currency)
    return node


def event_node(event_type: str, ts: int, app_ref: dict[str, str], shop: dict[str, Any],
               **extra: Any) -> dict[str, Any]:
    """An ``AppEvent`` node; ``extra`` holds ``charge``, ``appCredit``, ``reason``, ``description``."""
    node: dict[str, Any] = {"__typename": typename_for(event_type), "type": event_type, "occurredAt": iso(ts),
                            "app": app_ref, "shop": shop}
    node.update(extra)
    return node


def transaction_node(typename: str, txn_id: str, created_at: int, app_ref: dict[str, str],
                     shop: dict[str, Any], charge_id: str | None, gross: Decimal, net: Decimal,
                     currency: str, billing_interval: str | None = None) -> dict[str, Any]:
    """A ``Transaction`` node of one of the five app types."""
    node: dict[str, Any] = {"__typename": typename, "id": txn_id, "createdAt": iso(created_at),
                            "app": app_ref, "shop": shop,
                            "chargeId": charge_id if created_at >= CHARGE_ID_SINCE else None}
    if typename == "AppSubscriptionSale":
        node["billingInterval"] = billing_interval
    node["grossAmount"] = money(gross, currency)
    node["netAmount"] = money(net, currency)
    node["shopifyFee"] = money(gross - net, currency)
    return node
