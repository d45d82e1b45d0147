"""Built-in segments: each rule of docs/customer-rules.md, one behaviour per test."""

from __future__ import annotations

from decimal import Decimal

from crm_shared.analytics.percentiles import Thresholds
from crm_shared.analytics.segments import (
    BUILT_IN_DEFINITIONS,
    BUILT_IN_KEYS,
    SegmentContext,
    built_in_segments,
    is_at_risk,
    is_growth,
    is_new,
    is_vip,
    segment_context,
)
from tests.analytics.customer_factory import NOW, customer, days_ago, entry

CTX = SegmentContext(
    thresholds={"USD": Thresholds(Decimal("20"), Decimal("80"))},
    top_plans={"USD": frozenset({"Enterprise"})},
    reports_activity=True,
)


def vip_candidate(**kw: object) -> dict:
    base: dict = dict(mrr="100", plan="Enterprise", customer_since=days_ago(200), last_active_at=days_ago(1))
    base.update(kw)
    return customer(1, **base)


def test_every_built_in_segment_has_a_published_definition() -> None:
    assert set(BUILT_IN_DEFINITIONS) == set(BUILT_IN_KEYS)
    assert all(len(d) > 40 for d in BUILT_IN_DEFINITIONS.values())


def test_vip_active_top_mrr_long_tenure_recently_active() -> None:
    assert is_vip(vip_candidate(), CTX, NOW)


def test_vip_includes_mrr_exactly_at_the_80th_percentile() -> None:
    assert is_vip(vip_candidate(mrr="80"), CTX, NOW)


def test_vip_excludes_mrr_below_the_80th_percentile() -> None:
    assert not is_vip(vip_candidate(mrr="79.99"), CTX, NOW)


def test_vip_requires_more_than_180_days_as_customer() -> None:
    assert not is_vip(vip_candidate(customer_since=days_ago(180)), CTX, NOW)
    assert is_vip(vip_candidate(customer_since=days_ago(181)), CTX, NOW)


def test_vip_requires_activity_in_last_30_days_when_app_reports_activity() -> None:
    assert not is_vip(vip_candidate(last_active_at=days_ago(31)), CTX, NOW)
    assert not is_vip(vip_candidate(last_active_at=None), CTX, NOW)


def test_vip_activity_test_skipped_when_app_reports_no_activity() -> None:
    silent = SegmentContext(thresholds=CTX.thresholds, top_plans=CTX.top_plans, reports_activity=False)
    assert is_vip(vip_candidate(last_active_at=days_ago(300)), silent, NOW)


def test_vip_requires_active_status() -> None:
    assert not is_vip(vip_candidate(status="FROZEN"), CTX, NOW)


def test_vip_uses_the_thresholds_of_the_customers_currency() -> None:
    assert not is_vip(vip_candidate(currency="EUR"), CTX, NOW)  # no EUR population


def healthy(**kw: object) -> dict:
    base: dict = dict(mrr="50", last_active_at=days_ago(1), grade="A")
    base.update(kw)
    return customer(2, **base)


def test_healthy_paying_customer_is_not_at_risk() -> None:
    assert not is_at_risk(healthy(), NOW)


def test_at_risk_when_frozen() -> None:
    assert is_at_risk(healthy(status="FROZEN", mrr="0"), NOW)


def test_at_risk_after_declined_expired_or_frozen_charge_in_last_30_days() -> None:
    for kind in ("CHARGE_DECLINED", "CHARGE_EXPIRED", "FROZEN"):
        assert is_at_risk(healthy(timeline=[entry(kind, days_ago(29))]), NOW), kind
        assert not is_at_risk(healthy(timeline=[entry(kind, days_ago(31))]), NOW), kind


def test_at_risk_after_downgrade_in_last_60_days() -> None:
    assert is_at_risk(healthy(timeline=[entry("DOWNGRADED", days_ago(59))]), NOW)
    assert not is_at_risk(healthy(timeline=[entry("DOWNGRADED", days_ago(61))]), NOW)
    assert not is_at_risk(healthy(timeline=[entry("UPGRADED", days_ago(5))]), NOW)


def test_at_risk_when_paying_but_inactive_for_14_days() -> None:
    assert is_at_risk(healthy(last_active_at=days_ago(15)), NOW)
    assert not is_at_risk(healthy(last_active_at=days_ago(13)), NOW)


def test_inactivity_does_not_make_a_non_paying_customer_at_risk() -> None:
    assert not is_at_risk(healthy(status="FREE", mrr="0", last_active_at=days_ago(100)), NOW)


def test_at_risk_with_health_grade_d_or_f() -> None:
    assert is_at_risk(healthy(grade="D"), NOW)
    assert is_at_risk(healthy(grade="F"), NOW)
    assert not is_at_risk(healthy(grade="C"), NOW)


def test_uninstalled_customer_is_never_at_risk() -> None:
    assert not is_at_risk(healthy(status="UNINSTALLED", mrr="0", grade="F"), NOW)


def growth(**kw: object) -> dict:
    base: dict = dict(mrr="50", plan="Pro", last_active_at=days_ago(2))
    base.update(kw)
    return customer(3, **base)


def test_growth_between_20th_and_80th_percentile_recently_active_not_top_plan() -> None:
    assert is_growth(growth(), CTX, NOW)


def test_growth_band_includes_p20_and_excludes_p80() -> None:
    assert is_growth(growth(mrr="20"), CTX, NOW)
    assert not is_growth(growth(mrr="19.99"), CTX, NOW)
    assert not is_growth(growth(mrr="80"), CTX, NOW)


def test_growth_requires_activity_in_last_7_days() -> None:
    assert not is_growth(growth(last_active_at=days_ago(8)), CTX, NOW)


def test_growth_excludes_customers_on_the_highest_priced_plan() -> None:
    assert not is_growth(growth(plan="Enterprise"), CTX, NOW)


def test_new_when_installed_now_and_first_installed_within_30_days() -> None:
    assert is_new(customer(4, installed_at=days_ago(29)), NOW)
    assert not is_new(customer(4, installed_at=days_ago(31)), NOW)


def test_uninstalled_customer_is_not_new() -> None:
    assert not is_new(customer(4, status="UNINSTALLED", installed_at=days_ago(3)), NOW)


def test_test_shops_belong_to_no_built_in_segment() -> None:
    assert built_in_segments(customer(5, is_test=True, installed_at=days_ago(1), status="FROZEN"), CTX, NOW) == []


def test_built_in_segments_lists_every_matching_key() -> None:
    c = customer(6, mrr="100", plan="Enterprise", customer_since=days_ago(200), last_active_at=days_ago(1),
                 installed_at=days_ago(300), grade="F")
    assert built_in_segments(c, CTX, NOW) == ["VIP", "AT_RISK"]


def test_context_top_plan_is_the_highest_mrr_plan_of_active_customers() -> None:
    customers = [
        customer(1, mrr="10", plan="Basic"), customer(2, mrr="99", plan="Plus"), customer(3, mrr="99", plan="Max"),
        customer(4, mrr="500", plan="Whale", is_test=True), customer(5, mrr="0", plan="Huge", status="TRIAL"),
        customer(6, mrr="30", plan="Euro", currency="EUR"),
    ]
    ctx = segment_context(customers, reports_activity=False)
    assert ctx.top_plans == {"USD": frozenset({"Plus", "Max"}), "EUR": frozenset({"Euro"})}
    assert ctx.thresholds["USD"].p80 == Decimal("99")
