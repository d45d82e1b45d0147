"""Money on the wire: exact decimals shown with two places, rounded half-up."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from bson import Decimal128

CENT = Decimal("0.01")


def to_decimal(value: object) -> Decimal:
    """A stored amount (Decimal128, Decimal, str, int or None) as an exact Decimal."""
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal128):
        return value.to_decimal()
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        raise TypeError("money is never a float")
    return Decimal(str(value))


def round_money(value: object) -> Decimal:
    """`value` rounded half-up to two decimals (what the API shows)."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(value: object) -> str:
    """``"29.00"``: the wire form of an amount."""
    return f"{round_money(value):f}"
