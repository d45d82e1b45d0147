"""The API additions the web console needs: pre-churn MRR, facets, newest-first timeline with backward paging,
chart-ready MRR history, analytics series, stored retention, live segment thresholds, signed export links."""

from __future__ import annotations

import random
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
from bson import Decimal128

from crm_gateway import export_links
from crm_gateway.export_links import sign_url, signing_secret
from crm_shared.ids import customer_key
from crm_shared.mongo import APP_METRICS, APP_SUMMARIES, CUSTOMERS
from tests.gateway.conftest import APP_A1, APP_B, ORG_B, Seeded, gql_data, gql_error, make_client
from tests.gateway.factories import NOW, make_customer, make_metric

LIST = """query($app: ID!, $filter: CustomerFilterInput, $sort: CustomerSortInput) { app(id: $app) {
  customers(filter: $filter, sort: $sort, first: 250) { totalCount edges { node { shopId status
  lastPaidMrr { amount currencyCode } } } } } }"""


async def _set_last_paid(seeded: Seeded) -> dict[str, Decimal | None]:
    """Give organization A's first app's customers a pre-churn MRR (ACTIVE: their MRR; churned: a number)."""
    values: dict[str, Decimal | None] = {}
    for n, doc in enumerate(seeded.customers[APP_A1], start=1):
        if doc["status"] == "ACTIVE" and doc["mrr"].to_decimal() > 0:
            value: Decimal | None = doc["mrr"].to_decimal()
        elif doc["status"] in ("CANCELLED", "UNINSTALLED"):
            value = Decimal(10 * (n % 9))
        else:
            value = None
        values[doc["_id"]] = value
        await seeded.db[CUSTOMERS].update_one(
            {"_id": doc["_id"]}, {"$set": {"last_paid_mrr": Decimal128(value) if value is not None else None}})
    return values


async def test_churned_customers_who_paid_over_50(fresh: Seeded, redis_url: str) -> None:
    values = await _set_last_paid(fresh)
    docs = {d["_id"]: d for d in fresh.customers[APP_A1]}
    want = {k for k, v in values.items()
            if v is not None and v >= 50 and docs[k]["status"] in ("CANCELLED", "UNINSTALLED")
            and not docs[k]["is_test"]}
    assert want, "the seed must hold such customers"
    async with make_client(fresh.db, redis_url) as client:
        data = await gql_data(client, fresh.key_a, LIST, {
            "app": APP_A1, "filter": {"status": ["CANCELLED", "UNINSTALLED"], "lastPaidMrrMin": "50"},
            "sort": {"field": "LAST_PAID_MRR", "direction": "DESC"}})
        edges = data["app"]["customers"]["edges"]
        assert {customer_key(APP_A1, e["node"]["shopId"]) for e in edges} == want
        amounts = [Decimal(e["node"]["lastPaidMrr"]["amount"]) for e in edges]
        assert amounts == sorted(amounts, reverse=True) and min(amounts) >= 50
        err = await gql_error(client, fresh.key_a, LIST, {"app": APP_A1, "filter": {"lastPaidMrrMin": "9",
                                                                                   "lastPaidMrrMax": "1"}})
        assert err["extensions"]["code"] == "BAD_USER_INPUT" and "lastPaidMrrMin" in err["message"]
        never = await gql_data(client, fresh.key_a, LIST, {"app": APP_A1, "filter": {"status": ["FREE"]}})
        assert all(e["node"]["lastPaidMrr"] is None for e in never["app"]["customers"]["edges"])


FACETS = """query($app: ID!, $filter: CustomerFilterInput, $search: String) { app(id: $app) {
  customerFacets(filter: $filter, search: $search) { total status { value count } plan { value count }
  country { value count } currency { value count } segment { value count } } } }"""


def _count(docs: list[dict[str, Any]], key: str) -> dict[str | None, int]:
    out: dict[str | None, int] = {}
    for d in docs:
        values = d[key] if key == "segments" else [d[key]]
        for v in values:
            out[v] = out.get(v, 0) + 1
    return out


async def test_facets_apply_every_other_filter_but_not_their_own(client: httpx.AsyncClient, seeded: Seeded) -> None:
    f = {"status": ["ACTIVE", "TRIAL"], "country": ["US"]}
    facets = (await gql_data(client, seeded.key_a, FACETS, {"app": APP_A1, "filter": f}))["app"]["customerFacets"]
    live = [d for d in seeded.customers[APP_A1] if not d["is_test"]]
    both = [d for d in live if d["status"] in f["status"] and d["country"] == "US"]
    by_country = [d for d in live if d["status"] in f["status"]]  # country facet ignores the country filter
    by_status = [d for d in live if d["country"] == "US"]
    as_dict = lambda rows: {r["value"]: r["count"] for r in rows if r["count"]}  # noqa: E731  (zeros may be listed)
    assert facets["total"] == len(both)
    assert as_dict(facets["status"]) == _count(by_status, "status")
    assert as_dict(facets["country"]) == _count(by_country, "country")
    assert None in as_dict(facets["country"])  # shops with no country are counted as unknown
    assert as_dict(facets["plan"]) == _count(both, "plan")
    assert as_dict(facets["currency"]) == _count(both, "currency")
    assert as_dict(facets["segment"]) == _count(both, "segments")
    other = await gql_data(client, seeded.key_b, FACETS, {"app": APP_A1})
    assert other["app"] is None


TIMELINE = """query($app: ID!, $shop: ID!, $first: Int, $after: String, $last: Int, $before: String,
  $newest: Boolean!) { app(id: $app) { customer(shopId: $shop) { timeline(first: $first, after: $after,
  last: $last, before: $before, newestFirst: $newest) { totalCount pageInfo { hasNextPage hasPreviousPage
  startCursor endCursor } edges { node { type occurredAt } } } } } }"""


async def test_timeline_newest_first_and_backward_paging(fresh: Seeded, redis_url: str) -> None:
    shop = "gid://partners/Shop/900"
    types = ["INSTALLED", "SUBSCRIBED", "UPGRADED", "DOWNGRADED", "FROZEN", "UNFROZEN", "CANCELLED"]
    start = NOW - timedelta(days=100)
    doc = make_customer(APP_A1, 900, random.Random(1), timeline=[
        {"type": t, "occurred_at": start + timedelta(days=i), "plan": "Pro", "mrr_before": None, "mrr_after": None,
         "currency": "USD", "charge_id": None, "detail": None} for i, t in enumerate(types)])
    await fresh.db[CUSTOMERS].insert_one(doc)
    base = {"app": APP_A1, "shop": shop, "newest": True}
    async with make_client(fresh.db, redis_url) as client:
        async def page(**v: Any) -> dict[str, Any]:
            data = await gql_data(client, fresh.key_a, TIMELINE, {**base, **v})
            return data["app"]["customer"]["timeline"]

        first = await page(first=3)
        assert [e["node"]["type"] for e in first["edges"]] == ["CANCELLED", "UNFROZEN", "FROZEN"]
        assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
        second = await page(first=3, after=first["pageInfo"]["endCursor"])
        assert [e["node"]["type"] for e in second["edges"]] == ["DOWNGRADED", "UPGRADED", "SUBSCRIBED"]
        assert second["pageInfo"]["hasPreviousPage"] and second["pageInfo"]["hasNextPage"]
        back = await page(last=3, before=second["pageInfo"]["startCursor"])
        assert [e["node"]["type"] for e in back["edges"]] == ["CANCELLED", "UNFROZEN", "FROZEN"]
        assert not back["pageInfo"]["hasPreviousPage"] and back["pageInfo"]["hasNextPage"]
        tail = await page(last=2)
        assert [e["node"]["type"] for e in tail["edges"]] == ["SUBSCRIBED", "INSTALLED"]
        oldest_first = await page(first=2, newest=False)
        assert [e["node"]["type"] for e in oldest_first["edges"]] == ["INSTALLED", "SUBSCRIBED"]
        err = await gql_error(client, fresh.key_a, TIMELINE, {**base, "newest": False, "first": 2,
                                                             "after": first["pageInfo"]["endCursor"]})
        assert err["extensions"]["code"] == "BAD_USER_INPUT"  # a cursor of the other order


HISTORY = """query($app: ID!, $shop: ID!, $close: Boolean!) { app(id: $app) { customer(shopId: $shop) {
  mrrHistory(closeAtNow: $close) { at plan kind closing annotation mrr { amount currencyCode } } } } }"""


async def test_mrr_history_points_carry_their_plan_and_close_at_now(fresh: Seeded, redis_url: str) -> None:
    t0 = NOW - timedelta(days=90)
    entry = lambda t, at, plan, before, after: {"type": t, "occurred_at": at, "plan": plan,  # noqa: E731
                                                "mrr_before": Decimal128(before), "mrr_after": Decimal128(after),
                                                "currency": "USD", "charge_id": None, "detail": None}
    doc = make_customer(APP_A1, 901, random.Random(2), plan="Basic", timeline=[
        entry("SUBSCRIBED", t0, "Pro", "0", "29"), entry("DOWNGRADED", t0 + timedelta(days=30), "Basic", "29", "10")],
        mrr_history=[{"at": t0, "mrr": Decimal128("29"), "currency": "USD", "annotation": "SUBSCRIBED"},
                     {"at": t0 + timedelta(days=30), "mrr": Decimal128("10"), "currency": "USD",
                      "annotation": "DOWNGRADED"}])
    await fresh.db[CUSTOMERS].insert_one(doc)
    v = {"app": APP_A1, "shop": "gid://partners/Shop/901"}
    async with make_client(fresh.db, redis_url) as client:
        plain = (await gql_data(client, fresh.key_a, HISTORY, {**v, "close": False}))["app"]["customer"]["mrrHistory"]
        closed = (await gql_data(client, fresh.key_a, HISTORY, {**v, "close": True}))["app"]["customer"]["mrrHistory"]
    assert [(p["plan"], p["kind"], p["mrr"]["amount"], p["closing"]) for p in plain] == [
        ("Pro", "SUBSCRIBED", "29.00", False), ("Basic", "DOWNGRADED", "10.00", False)]
    assert closed[:2] == plain and len(closed) == 3
    assert closed[2]["closing"] and closed[2]["at"].startswith("2026-03-01") and closed[2]["mrr"]["amount"] == "10.00"
    assert closed[2]["kind"] is None and closed[2]["plan"] == "Basic"


ANALYTICS = """query($app: ID!, $from: DateTime, $to: DateTime, $interval: Interval!) { now app(id: $app) {
  analytics(from: $from, to: $to) { newCustomers newCustomersToday newCustomersThisWeek averageLifetimeInRangeDays
    retentionWindows { days currencyCode startCustomers retainedCustomers logoRetention expansionRevenue { amount } }
    cohortRows { installMonth { cohort size everPaid installed paying }
                 firstPaidMonth { cohort currencyCode size paying mrr { amount currencyCode } } } }
  revenueSeries(from: $from, to: $to, interval: $interval) { currencyCode points { start end payingCustomers
    mrr { amount } movements { new { amount } expansion { amount } contraction { amount } churn { amount }
    reactivation { amount } net { amount currencyCode } } } }
  acquisitionSeries(from: $from, to: $to, interval: $interval) { start end installs newCustomers uninstalls } } }"""


async def test_analytics_series_retention_cohorts_and_today(fresh: Seeded, redis_url: str) -> None:
    await fresh.db[APP_SUMMARIES].update_one({"_id": APP_A1}, {"$set": {
        "retention": {"30d": {"USD": {"start": NOW - timedelta(days=30), "end": NOW, "start_customers": 40,
                                      "retained_customers": 36, "logo_retention": 0.9, "net_revenue_retention": 1.02,
                                      "gross_revenue_retention": 0.95, "reactivation_rate": None,
                                      "expansion_revenue": Decimal128("50.00")}},
                      "90d": {}, "365d": {}},
        "cohorts": {"install_month": [{"cohort": "2026-01", "size": 5, "ever_paid": 3, "installed": [5, 4, 4],
                                       "paying": [2, 3, 3]}],
                    "first_paid_month": [{"cohort": "2026-01", "currency": "USD", "size": 2, "paying": [2, 2, 1],
                                          "mrr": [Decimal128("58.00"), Decimal128("58.00"), Decimal128("29.00")]}]}}})
    # today's snapshot holds 3 new customers: "today" and "this week" count it whatever the range
    await fresh.db[APP_METRICS].insert_one(make_metric(APP_A1, "USD", NOW, "1400.00", 80, new_customers=3))
    v = {"app": APP_A1, "from": (NOW - timedelta(days=20)).isoformat(), "to": (NOW - timedelta(days=10)).isoformat(),
         "interval": "WEEK"}
    async with make_client(fresh.db, redis_url) as client:
        data = await gql_data(client, fresh.key_a, ANALYTICS, v)
    assert data["now"].startswith("2026-03-01")
    a = data["app"]["analytics"]
    assert a["newCustomersToday"] == 3
    # 2026-03-01 is a Sunday: this week = Monday 2026-02-23 .. now: 6 seeded days x 2 currencies + today's 3
    assert a["newCustomersThisWeek"] == 12 + 3
    assert a["retentionWindows"] == [{"days": 30, "currencyCode": "USD", "startCustomers": 40, "retainedCustomers": 36,
                                      "logoRetention": 0.9, "expansionRevenue": {"amount": "50.00"}}]
    assert a["cohortRows"]["installMonth"] == [{"cohort": "2026-01", "size": 5, "everPaid": 3, "installed": [5, 4, 4],
                                               "paying": [2, 3, 3]}]
    assert [m["amount"] for m in a["cohortRows"]["firstPaidMonth"][0]["mrr"]] == ["58.00", "58.00", "29.00"]
    usd = next(s for s in data["app"]["revenueSeries"] if s["currencyCode"] == "USD")["points"]
    # days NOW-20 .. NOW-10 in ISO weeks: Feb 9 (clipped to the 9th) .. Feb 15, Feb 16 .. 19: 7 + 4 days
    assert [(p["start"], p["end"]) for p in usd] == [("2026-02-09", "2026-02-15"), ("2026-02-16", "2026-02-19")]
    assert usd[0]["movements"]["new"]["amount"] == "70.00" and usd[0]["movements"]["churn"]["amount"] == "-35.00"
    assert usd[0]["movements"]["net"] == {"amount": "70.00", "currencyCode": "USD"}  # 70 new + 35 exp - 35 churn
    assert usd[1]["mrr"]["amount"] == "1300.00" and usd[1]["payingCustomers"] == 70  # the snapshot of NOW-10
    acq = data["app"]["acquisitionSeries"]
    assert [p["start"] for p in acq] == ["2026-02-09", "2026-02-16"] and acq[1]["end"] == "2026-02-19"
    assert sum(p["newCustomers"] for p in acq) == a["newCustomers"]


async def test_average_lifetime_within_the_range(fresh: Seeded, redis_url: str) -> None:
    await fresh.db[CUSTOMERS].delete_many({"app_id": APP_A1})
    since = NOW - timedelta(days=100)
    rng = random.Random(3)
    await fresh.db[CUSTOMERS].insert_many([
        make_customer(APP_A1, 1, rng, status="ACTIVE", paid=True, customer_since=since, days_as_customer=100,
                      is_test=False),
        # churned 60 days ago after 40 days: outside a range starting 30 days ago
        make_customer(APP_A1, 2, rng, status="CANCELLED", paid=False, customer_since=since, days_as_customer=40,
                      is_test=False),
        # churned 10 days ago after 90 days
        make_customer(APP_A1, 3, rng, status="UNINSTALLED", paid=False, customer_since=since, days_as_customer=90,
                      is_test=False),
        make_customer(APP_A1, 4, rng, status="FREE", paid=False, customer_since=None, days_as_customer=None,
                      is_test=False),
    ])
    q = """query($app: ID!, $from: DateTime, $to: DateTime) { app(id: $app) { analytics(from: $from, to: $to) {
      averageLifetimeInRangeDays } } }"""
    async with make_client(fresh.db, redis_url) as client:
        a = await gql_data(client, fresh.key_a, q, {"app": APP_A1, "from": (NOW - timedelta(days=30)).isoformat(),
                                                    "to": (NOW - timedelta(days=20)).isoformat()})
    # customer 1: since -> range end = 80 days; customer 3: since -> range end (before its churn) = 80 days
    assert a["app"]["analytics"]["averageLifetimeInRangeDays"] == 80.0


SEGMENTS = """query($app: ID!) { app(id: $app) { segments { key liveDefinition thresholds { currencyCode percentile
  bound population mrr { amount currencyCode } } } } }"""


async def test_segments_publish_their_live_thresholds(fresh: Seeded, redis_url: str) -> None:
    await fresh.db[APP_SUMMARIES].update_one({"_id": APP_A1}, {"$set": {
        "percentiles": {"USD": {"p20": Decimal128("10"), "p80": Decimal128("49"), "population": 25},
                        "EUR": {"p20": Decimal128("5"), "p80": Decimal128("20.5"), "population": 4}},
        "top_plan": {"USD": {"plan": "Plus", "plans": ["Plus"], "mrr": Decimal128("79.5")}}}})
    async with make_client(fresh.db, redis_url) as client:
        answer = await gql_data(client, fresh.key_a, SEGMENTS, {"app": APP_A1})
        segs = {s["key"]: s for s in answer["app"]["segments"]}
    assert segs["VIP"]["thresholds"] == [
        {"currencyCode": "EUR", "percentile": 80, "bound": "MIN", "population": 4,
         "mrr": {"amount": "20.50", "currencyCode": "EUR"}},
        {"currencyCode": "USD", "percentile": 80, "bound": "MIN", "population": 25,
         "mrr": {"amount": "49.00", "currencyCode": "USD"}}]
    assert "MRR ≥ EUR 20.50 / USD 49.00" in segs["VIP"]["liveDefinition"]
    assert [(t["percentile"], t["bound"]) for t in segs["GROWTH"]["thresholds"]] == [(20, "MIN"), (80, "MAX")] * 2
    assert "(Plus)" in segs["GROWTH"]["liveDefinition"]
    assert segs["NEW"]["thresholds"] == [] and segs["AT_RISK"]["thresholds"] == []


LINK = """query($app: ID!, $filter: CustomerFilterInput, $scope: ExportScope) { app(id: $app) {
  customersExportLink(filter: $filter, scope: $scope) { url expiresAt } } }"""


async def test_signed_export_links(client: httpx.AsyncClient, seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    link = (await gql_data(client, seeded.key_a, LINK, {"app": APP_A1, "filter": {"status": ["ACTIVE"]}}))
    url = link["app"]["customersExportLink"]["url"]
    parts = urlsplit(url)
    path = parts.path + "?" + parts.query
    ok = await client.get(path)  # no Authorization header
    assert ok.status_code == 200, ok.text
    rows = ok.text.strip().splitlines()[1:]
    assert len(rows) == len([d for d in seeded.customers[APP_A1] if d["status"] == "ACTIVE" and not d["is_test"]])
    params = parse_qsl(parts.query)
    tampered = urlencode([(k, "TRIAL" if k == "status" else v) for k, v in params])
    assert (await client.get(parts.path + "?" + tampered)).status_code == 401
    later = urlencode([(k, str(int(v) + 3600) if k == "exp" else v) for k, v in params])
    assert (await client.get(parts.path + "?" + later)).status_code == 401
    # a correctly signed link of organization B for organization A's app: nobody else's data
    secret = await signing_secret(seeded.db)
    forged = sign_url(secret, f"http://gateway.test/export/customers.csv?appId={APP_A1}", ORG_B, int(time.time()) + 60)
    f = urlsplit(forged)
    assert (await client.get(f.path + "?" + f.query)).status_code == 404
    own = sign_url(secret, f"http://gateway.test/export/customers.csv?appId={APP_B}", ORG_B, int(time.time()) + 60)
    o = urlsplit(own)
    assert (await client.get(o.path + "?" + o.query)).status_code == 200
    monkeypatch.setattr(export_links, "wall_clock", lambda: time.time() + export_links.LINK_TTL_SECONDS + 1)
    expired = await client.get(path)
    assert expired.status_code == 401 and "expired" in expired.text
    full = (await gql_data(client, seeded.key_a, LINK, {"app": APP_A1, "scope": "FULL"}))
    assert "scope=full" in full["app"]["customersExportLink"]["url"]
