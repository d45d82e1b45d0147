"""Subscription charges as the fold knows them, and the text the timeline shows for charges.

A `Charge` is created at the first event that names a subscription charge and
refreshed (name, amount, next billing date) by every activation of it; the fold
(`lifecycle`) moves its state.  ``charges[]`` entries of the customer document
come from `Charge.as_dict`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from crm_shared.customer import vocabulary as v
from crm_shared.customer.parsing import decimal, parse_time_memo

ZERO = v.ZERO
LIVE_STATES = (v.ACTIVE, v.FROZEN)


class Charge:
    """One subscription charge as the fold knows it."""

    __slots__ = (
        "charge_id", "name", "amount", "currency", "test", "billing_on", "state", "activated_at",
        "trial", "trial_ends_at", "converted", "ended", "interval", "interval_inferred", "monthly",
    )

    def __init__(self, charge_id: str, node: dict[str, Any]) -> None:
        self.charge_id = charge_id
        self.test = bool(node.get("test"))
        self.state: str | None = None
        self.activated_at: datetime | None = None
        self.trial = False
        self.trial_ends_at: datetime | None = None
        self.converted = False
        self.ended = False
        self.interval: str | None = None
        self.interval_inferred = False
        self.monthly: Decimal = ZERO
        # refresh(node), inlined: a charge is created at most once per event that names it
        self.name: str = node.get("name") or ""
        amount = node.get("amount")
        if amount:
            self.amount: Decimal = decimal(amount["amount"])
            self.currency: str = amount["currencyCode"]
        else:
            self.amount = ZERO
            self.currency = v.DEFAULT_CURRENCY
        billing_on = node.get("billingOn")
        self.billing_on: datetime | None = parse_time_memo(billing_on) if billing_on else None

    def refresh(self, node: dict[str, Any]) -> None:
        """Take name, amount and next billing date from an event's charge node."""
        self.name = node.get("name") or ""
        amount = node.get("amount")
        if amount:
            self.amount = decimal(amount["amount"])
            self.currency = amount["currencyCode"]
        billing_on = node.get("billingOn")
        self.billing_on = parse_time_memo(billing_on) if billing_on else None

    def is_live(self) -> bool:
        """Active or frozen, and not ended by an uninstall."""
        return not self.ended and self.state in LIVE_STATES

    def as_dict(self) -> dict[str, Any]:
        """The ``charges[]`` entry of the customer document."""
        return {
            "charge_id": self.charge_id,
            "name": self.name,
            "state": v.CANCELLED if self.ended else self.state,
            "amount": self.amount,
            "currency": self.currency,
            "interval": self.interval,
            "interval_inferred": self.interval_inferred,
            "activated_at": self.activated_at,
            "trial_ends_at": self.trial_ends_at if self.trial else None,
            "test": self.test,
        }


def plan_change_type(previous: Charge, new: Charge) -> str:
    """UPGRADED / DOWNGRADED by monthly amount; PLAN_CHANGED across currencies or at the same amount."""
    if previous.currency != new.currency or previous.monthly == new.monthly:
        return v.TL_PLAN_CHANGED
    return v.TL_UPGRADED if new.monthly > previous.monthly else v.TL_DOWNGRADED


def plan_change_detail(previous: Charge, new: Charge) -> str:
    """``"Pro 29.00 USD → Plus 49.00 USD"``: both plans with their monthly amounts."""
    before = f"{previous.name} {cents(previous.monthly)} {previous.currency}"
    return f"{before} → {new.name} {cents(new.monthly)} {new.currency}"


def cents(amount: Decimal) -> str:
    """``f"{amount:.2f}"``, faster for amounts that already have two decimals (``"29.00"``).

    ``str`` writes a Decimal with exponent -2 in plain notation with exactly two
    decimals, which is what the format gives; anything else goes through the format."""
    text = str(amount)
    return text if text[-3:-2] == "." else f"{amount:.2f}"


def amount_detail(charge: dict[str, Any]) -> str | None:
    """``"Setup: 50.00 USD"`` for a one-time, usage or credit node (name and/or amount, None if neither)."""
    amount = charge.get("amount")
    name = charge.get("name") or ""
    if not amount:
        return name or None
    text = f"{amount['amount']} {amount['currencyCode']}"
    return f"{name}: {text}" if name else text
