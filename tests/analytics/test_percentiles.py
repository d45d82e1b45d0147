"""Percentile thresholds: numpy's linear interpolation, exact, per currency."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_shared.analytics.percentiles import P20, P80, linear_percentile, percentile_thresholds
from tests.analytics.customer_factory import customer


def test_linear_interpolation_between_ranks() -> None:
    values = [Decimal(v) for v in ("10", "20", "30", "40", "50")]
    assert linear_percentile(values, P80) == Decimal("42")
    assert linear_percentile(values, P20) == Decimal("18")


def test_single_value_is_every_percentile() -> None:
    assert linear_percentile([Decimal("29.00")], P80) == Decimal("29.00")


def test_empty_population_is_an_error() -> None:
    with pytest.raises(ValueError):
        linear_percentile([], P80)


@given(st.lists(st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False), min_size=1, max_size=60),
       st.sampled_from([P20, P80, Decimal("0.5"), Decimal(0), Decimal(1)]))
def test_matches_numpy_default_percentile(values: list[Decimal], q: Decimal) -> None:
    ours = linear_percentile(sorted(values), q)
    theirs = np.percentile(np.array([float(v) for v in values]), float(q) * 100)
    assert float(ours) == pytest.approx(float(theirs), abs=1e-6)


def test_population_is_non_test_active_customers_per_currency() -> None:
    customers = [
        customer(1, mrr="10"), customer(2, mrr="20"), customer(3, mrr="30"),
        customer(4, mrr="1000", is_test=True),
        customer(5, mrr="0", status="TRIAL"),
        customer(6, mrr="0", status="CANCELLED"),
        customer(7, mrr="500", currency="EUR"),
    ]
    t = percentile_thresholds(customers)
    assert set(t) == {"USD", "EUR"}
    assert t["USD"].p80 == Decimal("26")  # (3-1)*0.8 = 1.6 -> 20 + 10*0.6
    assert t["USD"].p20 == Decimal("14")
    assert t["EUR"].p20 == t["EUR"].p80 == Decimal("500")
