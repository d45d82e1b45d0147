"""The pre-churn MRR kept on every customer (`last_paid_mrr`)."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from crm_shared.customer.derive import last_paid_mrr

T = datetime(2026, 1, 1, tzinfo=timezone.utc)


def step(mrr: str) -> dict[str, object]:
    return {"at": T, "mrr": Decimal(mrr), "currency": "USD", "annotation": "X"}


def test_while_paying_it_is_the_current_mrr() -> None:
    assert last_paid_mrr(Decimal("29"), [step("10"), step("29")]) == Decimal("29")


def test_after_churn_it_is_the_mrr_just_before() -> None:
    assert last_paid_mrr(Decimal("0"), [step("0"), step("10"), step("29"), step("0")]) == Decimal("29")
    assert last_paid_mrr(Decimal("0"), [step("29"), step("10"), step("0"), step("0")]) == Decimal("10")


def test_a_shop_that_never_paid_has_none() -> None:
    assert last_paid_mrr(Decimal("0"), [step("0")]) is None
    assert last_paid_mrr(Decimal("0"), []) is None
