"""CSV export: same rows as the list, streamed, authenticated, tenant-checked."""

from __future__ import annotations

import csv
import io
import random
from urllib.parse import urlsplit

import httpx

from crm_gateway.export import COLUMNS, csv_row
from tests.gateway.conftest import APP_A1, APP_B, Seeded, gql_data
from tests.gateway.factories import make_customer

LIST_AND_URL = """
query E($app: ID!, $filter: CustomerFilterInput, $search: String, $sort: CustomerSortInput) {
  app(id: $app) {
    customers(filter: $filter, search: $search, sort: $sort, first: 250) {
      edges { node { id name mrr { amount currencyCode } lifetimeValue { amount } segments } } }
    customersExportUrl(filter: $filter, search: $search, sort: $sort)
  }
}
"""


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def export_via_url(client: httpx.AsyncClient, key: str,
                         variables: dict) -> tuple[list[dict], list[dict], httpx.Response]:
    data = (await gql_data(client, key, LIST_AND_URL, variables))["app"]
    url = urlsplit(data["customersExportUrl"])
    assert url.path == "/export/customers.csv"
    r = await client.get(f"{url.path}?{url.query}", headers=auth(key))
    assert r.status_code == 200, r.text
    return [e["node"] for e in data["customers"]["edges"]], parse(r.text), r


async def test_export_of_a_filtered_sorted_list_equals_the_list(client: httpx.AsyncClient, seeded: Seeded) -> None:
    v = {"app": APP_A1, "filter": {"status": ["ACTIVE", "CANCELLED"], "mrrMin": "0", "country": ["US", "DE"]},
         "sort": {"field": "MRR", "direction": "DESC"}}
    nodes, rows, r = await export_via_url(client, seeded.key_a, v)
    assert nodes and [row["id"] for row in rows] == [n["id"] for n in nodes]
    assert [row["mrr"] for row in rows] == [n["mrr"]["amount"] for n in nodes]
    assert [row["lifetime_value"] for row in rows] == [n["lifetimeValue"]["amount"] for n in nodes]
    assert [row["segments"] for row in rows] == [";".join(n["segments"]) for n in nodes]
    assert list(rows[0].keys()) == list(COLUMNS)
    assert r.headers["content-type"].startswith("text/csv")
    assert 'filename="customers-app101-filtered-2026-03-01.csv"' in r.headers["content-disposition"]


async def test_export_with_search_and_default_sort_equals_the_list(client: httpx.AsyncClient, seeded: Seeded) -> None:
    nodes, rows, _ = await export_via_url(client, seeded.key_a, {"app": APP_A1, "search": "alpha"})
    assert nodes and [row["id"] for row in rows] == [n["id"] for n in nodes]


async def test_full_scope_exports_every_customer_including_test_shops(client: httpx.AsyncClient,
                                                                      seeded: Seeded) -> None:
    r = await client.get("/export/customers.csv", params={"appId": APP_A1, "scope": "full", "status": "FREE"},
                         headers=auth(seeded.key_a))
    rows = parse(r.text)
    assert len(rows) == len(seeded.customers[APP_A1]) and any(row["is_test"] == "true" for row in rows)
    assert "-full-" in r.headers["content-disposition"]


async def test_export_requires_a_key_and_hides_other_organizations(client: httpx.AsyncClient, seeded: Seeded) -> None:
    assert (await client.get("/export/customers.csv", params={"appId": APP_A1})).status_code == 401
    bad_key = await client.get("/export/customers.csv", params={"appId": APP_A1}, headers=auth("crm_nope"))
    assert bad_key.status_code == 401
    foreign = await client.get("/export/customers.csv", params={"appId": APP_B}, headers=auth(seeded.key_a))
    missing = await client.get("/export/customers.csv", params={"appId": "gid://partners/App/999"},
                               headers=auth(seeded.key_a))
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["errors"][0]["message"].replace(APP_B, "X") == \
        missing.json()["errors"][0]["message"].replace("gid://partners/App/999", "X")


async def test_export_rejects_bad_parameters(client: httpx.AsyncClient, seeded: Seeded) -> None:
    for params in ({"appId": APP_A1, "status": "SLEEPING"}, {"appId": APP_A1, "mrrMin": "9", "mrrMax": "1"},
                   {"appId": APP_A1, "sort": "COLOUR"}, {"appId": APP_A1, "bogus": "1"}, {},
                   {"appId": APP_A1, "installedFrom": "2026-02-01", "installedTo": "2026-01-01"}):
        r = await client.get("/export/customers.csv", params=params, headers=auth(seeded.key_a))
        assert r.status_code == 400, params
        assert r.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_merchant_text_cannot_become_a_spreadsheet_formula() -> None:
    doc = make_customer(APP_A1, 5, random.Random(1), name='=HYPERLINK("http://evil")', plan="@SUM(A1)")
    row = dict(zip(COLUMNS, csv_row(doc), strict=True))
    assert row["name"] == '\'=HYPERLINK("http://evil")' and row["plan"] == "'@SUM(A1)"
    assert not row["mrr"].startswith("'")
