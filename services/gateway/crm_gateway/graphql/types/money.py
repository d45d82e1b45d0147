"""The `Money` type: an exact amount shown with two decimals and its currency."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from crm_gateway.money import round_money


@strawberry.type(description="An amount of money in one currency. Amounts are exact and shown as decimal strings "
                             "with two decimals, rounded half-up (\"29.00\"); amounts in different currencies are "
                             "never added together.")
class Money:
    amount: Decimal = strawberry.field(description="Decimal string with two decimals, rounded half-up.")
    currency_code: str = strawberry.field(description="ISO 4217 currency code, e.g. USD.")


def money(amount: object, currency: str | None) -> Money:
    """A `Money` from a stored amount (Decimal128 or Decimal)."""
    return Money(amount=round_money(amount), currency_code=currency or "USD")
