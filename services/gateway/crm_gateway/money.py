"""Money on the wire: exact decimals shown with two places, rounded half-up."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from bson import Decimal128

CENT = Decimal("0.01")

_SIGN = 1 << 63
_FORM = 3 << 61  # both bits set: the large-coefficient form, and infinities / NaNs
_COEFFICIENT_HIGH = (1 << 49) - 1
_EXPONENT_BIAS = 6176
_MAX_COEFFICIENT = 10**34 - 1


_MAX_CENTS = 10**28 - 1  # quantize's limit in the default context (28 digits)


def decimal128_to_decimal(value: Decimal128) -> Decimal:
    """`value.to_decimal()`, computed directly for the amounts money is made of.

    bson decodes the coefficient digit by digit in Python; a finite value in
    the usual form (coefficient up to 34 digits, exponent within +-100) is
    read straight from its bits and built from its exact text instead, which
    gives the same sign, coefficient and exponent.  Anything else goes to bson."""
    high, low = value.__getstate__()  # the two 64-bit halves (what pickling uses)
    if high & _FORM != _FORM:
        coefficient = ((high & _COEFFICIENT_HIGH) << 64) | low
        exponent = ((high >> 49) & 0x3FFF) - _EXPONENT_BIAS
        if coefficient <= _MAX_COEFFICIENT and -100 <= exponent <= 100:
            return Decimal(f"{'-' if high & _SIGN else ''}{coefficient}E{exponent}")
    return value.to_decimal()


def to_decimal(value: object) -> Decimal:
    """A stored amount (Decimal128, Decimal, str, int or None) as an exact Decimal."""
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal128):
        return decimal128_to_decimal(value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        raise TypeError("money is never a float")
    return Decimal(str(value))


def decimal128_cents(value: Decimal128) -> Decimal | None:
    """`round_money(value)` when no rounding is needed (two decimals or fewer), else None.

    Stored amounts usually have exactly two decimals: the result is then the
    coefficient rescaled to exponent -2, built from its text, without going
    through an intermediate Decimal and `quantize`."""
    high, low = value.__getstate__()
    if high & _FORM == _FORM:
        return None
    exponent = ((high >> 49) & 0x3FFF) - _EXPONENT_BIAS
    if not -2 <= exponent <= 100:
        return None
    cents = (((high & _COEFFICIENT_HIGH) << 64) | low) * 10 ** (exponent + 2)
    if cents > _MAX_CENTS:
        return None
    return Decimal(f"{'-' if high & _SIGN else ''}{cents}E-2")


def round_money(value: object) -> Decimal:
    """`value` rounded half-up to two decimals (what the API shows)."""
    if type(value) is Decimal128:
        cents = decimal128_cents(value)
        if cents is not None:
            return cents
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(value: object) -> str:
    """``"29.00"``: the wire form of an amount."""
    return f"{round_money(value):f}"
