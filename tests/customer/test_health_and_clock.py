"""Health score and the clock-driven changes (``next_change_at``)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from crm_shared.customer import HEALTH_FORMULA, health
from crm_shared.customer.health import grade_for
from tests.customer.history import History, day, midnight
from tests.customer.test_relationship import paying_shop

PROFILE = {"email": None, "country": None, "shopify_plan": None}


def factors(doc: dict) -> dict[str, int]:
    return {f["name"]: f["impact"] for f in doc["health"]["factors"]}


def test_health_formula_is_published_and_in_the_module_docstring() -> None:
    assert " ".join(HEALTH_FORMULA.split()) in " ".join((health.__doc__ or "").split())
    for name in ("payment_state", "tenure", "activity_recency", "plan_trend", "store_closure", "reinstall_history"):
        assert name in HEALTH_FORMULA


def test_long_active_recent_customer_is_grade_a() -> None:
    doc = paying_shop().derive(day(400), profile={**PROFILE, "last_active_at": day(399)})
    assert factors(doc) == {"payment_state": 25, "tenure": 15, "activity_recency": 10, "plan_trend": 0,
                            "store_closure": 0, "reinstall_history": 0}
    assert doc["health"]["score"] == 100 and doc["health"]["grade"] == "A"


def test_score_is_base_plus_impacts_clamped() -> None:
    h = paying_shop().uninstall(day(10)).install(day(11)).uninstall(day(12)).install(day(13)).uninstall(day(14))
    doc = h.derive(day(200))
    impacts = factors(doc)
    assert impacts["payment_state"] == -40 and impacts["reinstall_history"] == -10
    assert impacts["activity_recency"] == -10
    assert doc["health"]["score"] == max(0, 50 + sum(impacts.values()))
    assert doc["health"]["grade"] == "F"


def test_downgrade_and_store_closure_and_payment_trouble_lower_health() -> None:
    h = paying_shop().charge(2, "Basic", "9.00", billing_on=midnight(70)).activate(2, day(40)).cancel(1, day(40))
    h.close_store(day(50)).freeze(2, day(50, 2))
    impacts = factors(h.derive(day(55)))
    assert impacts["plan_trend"] == -10
    assert impacts["store_closure"] == -15
    assert impacts["payment_state"] == -25 - 10


@pytest.mark.parametrize(("score", "grade"), [(100, "A"), (80, "A"), (79, "B"), (65, "B"), (50, "C"),
                                              (49, "D"), (35, "D"), (34, "F"), (0, "F")])
def test_grades(score: int, grade: str) -> None:
    assert grade_for(score) == grade


def test_next_change_is_trial_end_for_a_new_trial() -> None:
    h = History().install(day(0)).charge(1, billing_on=midnight(14)).activate(1, day(0, 60))
    profile = {**PROFILE, "last_active_at": day(-100)}
    doc = h.derive(day(2), profile=profile)
    assert doc["next_change_at"] == midnight(14)
    later = h.derive(doc["next_change_at"], profile=profile)
    assert later["status"] == "ACTIVE" and later["mrr"] == Decimal("29.00")


def test_next_change_is_the_new_window_for_a_free_shop() -> None:
    h = History().install(day(0))
    doc = h.derive(day(29), profile={**PROFILE, "last_active_at": day(-100)})
    assert doc["next_change_at"] == day(30)


def test_next_change_is_the_daily_tick_of_days_as_customer() -> None:
    doc = paying_shop().derive(day(100, 120), profile={**PROFILE, "last_active_at": day(-100)})
    assert doc["next_change_at"] == day(101, 60)
    assert doc["days_as_customer"] == 100


def test_next_change_is_none_for_an_old_uninstalled_shop() -> None:
    assert paying_shop().uninstall(day(10)).derive(day(400))["next_change_at"] is None


def test_inactivity_threshold_is_a_clock_change() -> None:
    h = History().install(day(0))
    profile = {**PROFILE, "last_active_at": day(40)}
    doc = h.derive(day(45), profile=profile)
    assert doc["next_change_at"] == day(47)
    assert factors(doc)["activity_recency"] == 10
    assert factors(h.derive(day(47), profile=profile))["activity_recency"] == 5
    assert h.derive(day(47), profile=profile)["next_change_at"] == day(54)


def test_clock_changes_document_only_at_next_change_at() -> None:
    """Between ``now`` and ``next_change_at`` the document does not change (bar computed_at)."""
    h = paying_shop().charge(2, "Basic", "9.00", billing_on=midnight(70)).activate(2, day(40)).cancel(1, day(40))
    h.usage(1, day(41), "2.00")
    now = day(42)
    steps = 0
    for _ in range(12):
        doc = h.derive(now)
        nxt = doc["next_change_at"]
        if nxt is None:
            break
        just_before = h.derive(nxt - timedelta(seconds=1))
        assert {**just_before, "computed_at": None, "next_change_at": None} == \
            {**doc, "computed_at": None, "next_change_at": None}
        at_change = h.derive(nxt)
        assert {**at_change, "computed_at": None, "next_change_at": None} != \
            {**doc, "computed_at": None, "next_change_at": None}
        now = nxt
        steps += 1
    assert steps == 12
