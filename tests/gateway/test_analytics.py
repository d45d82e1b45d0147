"""App analytics and MRR series from the daily snapshots, per currency."""

from __future__ import annotations

from datetime import timedelta

import httpx

from tests.gateway.conftest import APP_A1, Seeded, gql_data, gql_error
from tests.gateway.factories import NOW

ANALYTICS = """
query A($app: ID!, $from: DateTime, $to: DateTime) { app(id: $app) { analytics(from: $from, to: $to) {
  from to totalMrr { amount currencyCode } averageMrr { amount currencyCode } activeCustomers trialCustomers
  newCustomers newCustomersToday newCustomersThisWeek churnedCustomers reactivatedCustomers installs uninstalls
  movements { kind amount { amount currencyCode } } expansionRevenue { amount currencyCode }
  growthRate logoRetentionRate reactivationRate
  netRevenueRetention { currencyCode value } grossRevenueRetention { currencyCode value }
  averageLifetimeDays acquisition { date installs newCustomers } statusCounts { status count } cohorts
} } }
"""
SERIES = """query M($app: ID!, $from: DateTime, $to: DateTime, $interval: Interval) {
  app(id: $app) { mrrSeries(from: $from, to: $to, interval: $interval) {
    at mrr { amount currencyCode } annotation } } }"""


async def test_analytics_over_a_range_per_currency(client: httpx.AsyncClient, seeded: Seeded) -> None:
    v = {"app": APP_A1, "from": (NOW - timedelta(days=10)).isoformat(), "to": NOW.isoformat()}
    a = (await gql_data(client, seeded.key_a, ANALYTICS, v))["app"]["analytics"]
    # snapshots for days NOW-10 .. NOW-1 (d = 30..39): USD total 1000+10d, 40+d active; EUR 200+d, 10 active
    assert {m["currencyCode"]: m["amount"] for m in a["totalMrr"]} == {"EUR": "239.00", "USD": "1390.00"}
    assert {m["currencyCode"]: m["amount"] for m in a["averageMrr"]} == {"EUR": "23.90", "USD": "17.59"}
    assert a["activeCustomers"] == 79 + 10
    assert a["newCustomers"] == 20 and a["installs"] == 40 and a["uninstalls"] == 20
    assert a["newCustomersThisWeek"] == 2 * 6  # days NOW-6 .. NOW-1, both currencies
    usd = {m["kind"]: m["amount"]["amount"] for m in a["movements"] if m["amount"]["currencyCode"] == "USD"}
    assert usd == {"NEW": "100.00", "EXPANSION": "50.00", "CONTRACTION": "0.00", "CHURN": "-50.00",
                   "REACTIVATION": "0.00"}
    nrr = {r["currencyCode"]: r["value"] for r in a["netRevenueRetention"]}
    assert abs(nrr["USD"] - 1.0) < 1e-9  # base 1290 + 50 expansion - 50 churn
    # start base = the snapshot before the range (USD 69 + EUR 10 active), end = 79 + 10
    assert abs(a["growthRate"] - (89 - 79) / 79) < 1e-9
    assert abs(a["logoRetentionRate"] - (89 - 20 - 0) / 79) < 1e-9
    assert a["reactivationRate"] is None
    assert len(a["acquisition"]) == 10 and a["cohorts"] == {
        "install_month": [{"cohort": "2026-01", "size": 5, "ever_paid": 2, "installed": [5], "paying": [2]}],
        "first_paid_month": [{"cohort": "2026-01", "currency": "USD", "size": 2, "paying": [2], "mrr": ["58.00"]}]}
    assert sum(s["count"] for s in a["statusCounts"]) == len([d for d in seeded.customers[APP_A1] if not d["is_test"]])


async def test_inverted_analytics_range_is_bad_input(client: httpx.AsyncClient, seeded: Seeded) -> None:
    err = await gql_error(client, seeded.key_a, ANALYTICS,
                          {"app": APP_A1, "from": NOW.isoformat(), "to": (NOW - timedelta(days=1)).isoformat()})
    assert err["extensions"]["code"] == "BAD_USER_INPUT"


async def test_mrr_series_by_day_week_and_month(client: httpx.AsyncClient, seeded: Seeded) -> None:
    v = {"app": APP_A1, "from": (NOW - timedelta(days=14)).isoformat(), "to": NOW.isoformat()}
    days = (await gql_data(client, seeded.key_a, SERIES, {**v, "interval": "DAY"}))["app"]["mrrSeries"]
    usd = [p for p in days if p["mrr"]["currencyCode"] == "USD"]
    assert len(usd) == 14 and usd[-1]["mrr"]["amount"] == "1390.00"
    assert usd[0]["annotation"] == "new +10.00, expansion +5.00, churn -5.00"
    weeks = (await gql_data(client, seeded.key_a, SERIES, {**v, "interval": "WEEK"}))["app"]["mrrSeries"]
    usd_w = [p for p in weeks if p["mrr"]["currencyCode"] == "USD"]
    assert 2 <= len(usd_w) <= 3 and usd_w[-1]["mrr"]["amount"] == "1390.00"
    months = (await gql_data(client, seeded.key_a, SERIES, {**v, "interval": "MONTH"}))["app"]["mrrSeries"]
    assert [p["mrr"]["currencyCode"] for p in months] == ["EUR", "USD"]  # all 14 days are in February
    assert [p["at"][:10] for p in months] == ["2026-02-28", "2026-02-28"]
