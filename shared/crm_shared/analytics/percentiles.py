"""Percentile thresholds of MRR per currency (numpy's default linear method).

Computed exactly in `Decimal`: for sorted values x[0..n-1] and a quantile q,
h = (n - 1)·q, and the threshold is x[⌊h⌋] + (x[⌊h⌋+1] − x[⌊h⌋])·(h − ⌊h⌋) —
the formula of ``numpy.percentile(..., method="linear")`` without the float
rounding.  The population is every non-test ``ACTIVE`` customer of the app in
one currency (docs/customer-rules.md, Segments).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

P20 = Decimal("0.2")
P80 = Decimal("0.8")


@dataclass(frozen=True)
class Thresholds:
    """The 20th and 80th MRR percentiles of one currency."""

    p20: Decimal
    p80: Decimal


def linear_percentile(sorted_values: Sequence[Decimal], q: Decimal) -> Decimal:
    """The q-quantile (0 ≤ q ≤ 1) of ascending `sorted_values`, linear interpolation."""
    if not sorted_values:
        raise ValueError("percentile of an empty population")
    if not Decimal(0) <= q <= Decimal(1):
        raise ValueError(f"quantile {q} outside [0, 1]")
    h = (len(sorted_values) - 1) * q
    lo = int(h)  # h >= 0, so int() floors
    frac = h - lo
    if frac == 0 or lo + 1 >= len(sorted_values):
        return sorted_values[lo]
    a, b = sorted_values[lo], sorted_values[lo + 1]
    return a + (b - a) * frac


def percentile_population(customers: Iterable[Mapping[str, Any]]) -> dict[str, list[Decimal]]:
    """MRR values of non-test ACTIVE customers, per currency, ascending."""
    by_currency: dict[str, list[Decimal]] = {}
    for c in customers:
        if c.get("is_test") or c.get("status") != "ACTIVE":
            continue
        by_currency.setdefault(c["currency"], []).append(Decimal(c["mrr"]))
    for values in by_currency.values():
        values.sort()
    return by_currency


def percentile_thresholds(customers: Iterable[Mapping[str, Any]]) -> dict[str, Thresholds]:
    """{currency: Thresholds(p20, p80)} over the app's non-test ACTIVE customers."""
    return {
        currency: Thresholds(linear_percentile(values, P20), linear_percentile(values, P80))
        for currency, values in percentile_population(customers).items()
    }
