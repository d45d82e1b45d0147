"""Showing exact money: half-up to two decimals, as a string ("29.00")."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_CENT = Decimal("0.01")


def mrr_display(amount: Decimal) -> str:
    """``amount`` rounded half-up to 2 decimals (``Decimal("2.415")`` → ``"2.42"``); never ``"-0.00"``."""
    rounded = amount.quantize(_CENT, rounding=ROUND_HALF_UP)
    if not rounded:
        rounded = abs(rounded)
    return f"{rounded:f}"
