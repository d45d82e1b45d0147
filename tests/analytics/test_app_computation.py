"""`compute_app`: the pure app-level pass the worker stores."""

from __future__ import annotations

from decimal import Decimal

from crm_shared.analytics import BUILT_IN_DEFINITIONS, compute_app
from tests.analytics.customer_factory import NOW, customer, days_ago, entry, step


def app() -> list[dict]:
    out = []
    for i, price in enumerate(["10", "20", "30", "40", "100"]):
        out.append(customer(i, mrr=price, plan="Max" if price == "100" else f"P{price}",
                            customer_since=days_ago(300), days_as_customer=300, last_active_at=days_ago(1),
                            installed_at=days_ago(310),
                            mrr_history=[step(days_ago(300), price)]))
    out.append(customer(9, status="TRIAL", mrr="0", installed_at=days_ago(3), last_active_at=days_ago(1),
                        timeline=[entry("INSTALLED", days_ago(3)), entry("TRIAL_STARTED", days_ago(3))],
                        trial_ends_at=days_ago(-11)))
    out.append(customer(10, is_test=True, mrr="999", mrr_history=[step(days_ago(30), "999")]))
    return out


def test_segments_summary_and_snapshots_agree() -> None:
    comp = compute_app(app(), NOW, app_reports_activity=True)
    seg = {k.rsplit("/", 1)[-1]: v for k, v in comp.segments.items()}
    # p80 of 10,20,30,40,100 = 40 + 60*0.2 = 52; p20 = 18
    assert seg["4"] == ["VIP"] and seg["3"] == ["GROWTH"] and seg["1"] == ["GROWTH"] and seg["0"] == []
    assert seg["9"] == ["NEW"] and seg["10"] == []
    s = comp.summary
    assert s["percentiles"]["USD"]["p80"] == Decimal("52")
    assert s["top_plan"]["USD"]["plan"] == "Max"
    assert s["counts_by_status"]["ACTIVE"] == 5 and s["counts_by_status"]["TRIAL"] == 1 and s["test_customers"] == 1
    assert s["segment_counts"] == {"VIP": 1, "AT_RISK": 0, "GROWTH": 3, "NEW": 1}
    assert s["by_currency"]["USD"]["total_mrr"] == Decimal("200")
    assert s["by_currency"]["USD"]["paying_customers"] == 5 and s["by_currency"]["USD"]["trial_customers"] == 1
    assert s["by_currency"]["USD"]["arppu"] == Decimal("40")
    assert s["average_lifetime_days"] == 300.0
    assert s["retention"]["30d"]["USD"]["logo_retention"] == 1.0


def test_definitions_are_published_under_the_name_the_gateway_reads() -> None:
    assert set(BUILT_IN_DEFINITIONS) == {"VIP", "AT_RISK", "GROWTH", "NEW"}
