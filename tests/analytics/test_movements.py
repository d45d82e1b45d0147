"""MRR movements: ChartMogul's taxonomy from MRR history steps."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from crm_shared.analytics.days import day_of, day_start
from crm_shared.analytics.movements import customer_movements, daily_movements, mrr_at
from crm_shared.analytics.snapshots import daily_snapshots
from tests.analytics.customer_factory import NOW, customer, days_ago, step


def kinds(history: list[dict]) -> list[tuple[str, Decimal, str]]:
    return [(m.kind, m.amount, m.currency) for m in customer_movements(history, NOW)]


def test_first_paid_step_is_new() -> None:
    assert kinds([step(days_ago(10), "0"), step(days_ago(5), "29")]) == [("new", Decimal("29"), "USD")]


def test_trial_conversion_is_new_mrr_on_the_conversion_day() -> None:
    history = [step(days_ago(20), "0", annotation="TRIAL_STARTED"),
               step(days_ago(6), "49", annotation="TRIAL_CONVERTED")]
    [m] = customer_movements(history, NOW)
    assert (m.kind, m.day) == ("new", day_of(days_ago(6)))


def test_upgrade_is_expansion_and_downgrade_is_contraction() -> None:
    history = [step(days_ago(30), "10"), step(days_ago(20), "30"), step(days_ago(10), "25")]
    assert kinds(history) == [("new", Decimal("10"), "USD"), ("expansion", Decimal("20"), "USD"),
                              ("contraction", Decimal("-5"), "USD")]


def test_going_to_zero_is_churn_of_the_previous_mrr() -> None:
    assert kinds([step(days_ago(30), "10"), step(days_ago(3), "0")])[-1] == ("churn", Decimal("-10"), "USD")


def test_paying_again_after_churn_is_reactivation() -> None:
    history = [step(days_ago(30), "10"), step(days_ago(20), "0"), step(days_ago(10), "15")]
    assert kinds(history)[-1] == ("reactivation", Decimal("15"), "USD")


def test_freeze_then_unfreeze_is_churn_then_reactivation() -> None:
    history = [step(days_ago(30), "10"), step(days_ago(20), "0", annotation="FROZEN"),
               step(days_ago(15), "10", annotation="UNFROZEN")]
    assert [k for k, _, _ in kinds(history)] == ["new", "churn", "reactivation"]


def test_same_day_cancel_and_resubscribe_nets_out() -> None:
    t = datetime(2026, 2, 10, 9, 0, tzinfo=timezone.utc)
    history = [step(days_ago(30), "10"), step(t, "0"), step(t + timedelta(hours=2), "10")]
    assert kinds(history) == [("new", Decimal("10"), "USD")]


def test_plan_change_across_currencies_moves_mrr_between_currencies_without_churn() -> None:
    history = [step(days_ago(30), "10", "USD"), step(days_ago(5), "9", "EUR")]
    assert kinds(history)[1:] == [("contraction", Decimal("-10"), "USD"), ("expansion", Decimal("9"), "EUR")]


def test_steps_after_now_are_ignored() -> None:
    assert kinds([step(days_ago(-2), "10")]) == []


def test_test_shops_have_no_movements() -> None:
    c = customer(1, is_test=True, mrr_history=[step(days_ago(5), "10")])
    assert daily_movements([c], NOW) == {}


def test_daily_totals_count_customers_per_kind() -> None:
    d = days_ago(4)
    cs = [customer(i, mrr_history=[step(d, "10")]) for i in range(3)]
    cs.append(customer(9, mrr_history=[step(days_ago(40), "7"), step(d, "0")]))
    totals = daily_movements(cs, NOW)["USD"][day_of(d)]
    assert totals.new_customers == 3 and totals.churned_customers == 1
    assert totals.amounts["new"] == Decimal("30") and totals.amounts["churn"] == Decimal("-7")
    assert totals.net == Decimal("23")


START = datetime(2026, 1, 1, tzinfo=timezone.utc)
histories = st.lists(
    st.lists(
        st.tuples(st.integers(0, 40 * 24), st.sampled_from(["0", "0", "10", "25.50", "99", "8.25"]),
                  st.sampled_from(["USD", "USD", "EUR"])),
        min_size=0, max_size=8,
    ).map(lambda raw: [step(START + timedelta(hours=h), m, c) for h, m, c in sorted(raw, key=lambda x: x[0])]),
    min_size=1, max_size=6,
)


def total_at_end_of(day: date, customers: list[dict], currency: str) -> Decimal:
    instant = day_start(day + timedelta(days=1)) - timedelta(microseconds=1)
    total = Decimal(0)
    for c in customers:
        mrr, cur = mrr_at(c["mrr_history"], instant)
        if cur == currency:
            total += mrr
    return total


@settings(max_examples=150, deadline=None)
@given(histories, st.integers(0, 45), st.integers(0, 45))
def test_sum_of_movements_equals_change_of_total_mrr_between_any_two_days(
    hs: list[list[dict]], a: int, b: int
) -> None:
    now = START + timedelta(days=46)
    customers = [customer(i, mrr_history=h) for i, h in enumerate(hs)]
    d1, d2 = sorted((START.date() + timedelta(days=a), START.date() + timedelta(days=b)))
    moves = daily_movements(customers, now)
    for currency in ("USD", "EUR"):
        days = moves.get(currency, {})
        moved = sum((t.net for day, t in days.items() if d1 < day <= d2), Decimal(0))
        assert moved == total_at_end_of(d2, customers, currency) - total_at_end_of(d1, customers, currency)
    for snap in daily_snapshots(customers, now):
        if snap.currency in ("USD", "EUR"):
            assert snap.total_mrr == total_at_end_of(snap.day, customers, snap.currency)
