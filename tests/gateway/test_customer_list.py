"""The customer list through HTTP with the gql client: filters, sorts, keyset pages both ways, search."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from gql import GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError

from crm_gateway.graphql.types.node import customer_global_id
from crm_gateway.sorting import SORT_FIELDS
from tests.gateway.conftest import APP_A1, Seeded
from tests.gateway.expected import between, matching, mrr, ordered
from tests.gateway.factories import NOW

LIST = gql("""
query List($app: ID!, $filter: CustomerFilterInput, $search: String, $sort: CustomerSortInput,
           $first: Int, $after: String, $last: Int, $before: String) {
  app(id: $app) {
    customers(filter: $filter, search: $search, sort: $sort, first: $first, after: $after, last: $last,
              before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id shopId name domain email status plan mrr { amount currencyCode } } }
    }
  }
}
""")


async def fetch(session: Any, **variables: Any) -> dict[str, Any]:
    result = await session.execute(GraphQLRequest(LIST, variable_values={"app": APP_A1, **variables}))
    return result["app"]["customers"]


async def all_ids(session: Any, **variables: Any) -> list[str]:
    """Walk forward with a small page size and return the customer ids in order."""
    ids: list[str] = []
    after = None
    while True:
        page = await fetch(session, first=25, after=after, **variables)
        ids += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return ids
        after = page["pageInfo"]["endCursor"]


def gids(keys: list[str]) -> list[str]:
    return [customer_global_id(k) for k in keys]


async def test_default_list_is_installed_at_descending_without_test_shops(gql_session: Any, seeded: Seeded) -> None:
    docs = seeded.customers[APP_A1]
    page = await fetch(gql_session)
    expected = ordered(matching(docs, lambda d: True), "INSTALLED_AT", ascending=False)
    assert page["totalCount"] == len(expected)
    assert [e["node"]["id"] for e in page["edges"]] == gids(expected[:50])
    assert page["pageInfo"]["hasNextPage"] and not page["pageInfo"]["hasPreviousPage"]


FILTERS: list[tuple[str, dict[str, Any], Any]] = [
    ("status", {"status": ["ACTIVE", "FROZEN"]}, lambda d: d["status"] in ("ACTIVE", "FROZEN")),
    ("plan", {"plan": ["Pro"]}, lambda d: d["plan"] == "Pro"),
    ("paid", {"paid": True}, lambda d: d["paid"]),
    ("free", {"paid": False}, lambda d: not d["paid"]),
    ("country", {"country": ["DE", "fr"]}, lambda d: d["country"] in ("DE", "FR")),
    ("mrr range", {"mrrMin": "9.99", "mrrMax": "29.00"}, lambda d: Decimal("9.99") <= mrr(d) <= Decimal("29")),
    ("mrr min", {"mrrMin": "29.005"}, lambda d: mrr(d) >= Decimal("29.005")),
    ("installed", {"installedFrom": (NOW - timedelta(days=300)).isoformat(),
     "installedTo": (NOW - timedelta(days=100)).isoformat()},
     lambda d: between(d["installed_at"], NOW - timedelta(days=300), NOW - timedelta(days=100))),
    ("last active", {"lastActiveFrom": (NOW - timedelta(days=20)).isoformat()},
     lambda d: between(d["last_active_at"], NOW - timedelta(days=20), None)),
    ("segment", {"segment": "VIP"}, lambda d: "VIP" in d["segments"]),
]


@pytest.mark.parametrize("name,filter,pred", FILTERS, ids=[f[0] for f in FILTERS])
async def test_each_filter_alone(gql_session: Any, seeded: Seeded, name: str, filter: dict, pred: Any) -> None:
    expected = ordered(matching(seeded.customers[APP_A1], pred), "INSTALLED_AT", False)
    assert expected, f"seed has no customer for {name}"
    assert await all_ids(gql_session, filter=filter) == gids(expected)


async def test_filters_combined_with_test_shops_included(gql_session: Any, seeded: Seeded) -> None:
    f = {"status": ["ACTIVE"], "country": ["US", "DE", "GB"], "mrrMin": "1", "includeTest": True,
         "installedFrom": (NOW - timedelta(days=600)).isoformat()}
    def pred(d: dict[str, Any]) -> bool:
        return (d["status"] == "ACTIVE" and d["country"] in ("US", "DE", "GB") and mrr(d) >= 1
                and d["installed_at"] >= NOW - timedelta(days=600))
    expected = ordered(matching(seeded.customers[APP_A1], pred, include_test=True), "MRR", True)
    assert any(d["is_test"] for d in seeded.customers[APP_A1] if d["_id"] in expected)
    got = await all_ids(gql_session, filter=f, sort={"field": "MRR", "direction": "ASC"})
    assert got == gids(expected)


@pytest.mark.parametrize("field", list(SORT_FIELDS))
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_every_sort_walks_forward_and_backward_exactly_once(
    gql_session: Any, seeded: Seeded, field: str, direction: str
) -> None:
    expected = gids(ordered(matching(seeded.customers[APP_A1], lambda d: True), field, direction == "ASC"))
    sort = {"field": field, "direction": direction}
    forward: list[str] = []
    after = None
    while True:
        page = await fetch(gql_session, sort=sort, first=9, after=after)
        forward += [e["node"]["id"] for e in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] == (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert forward == expected
    backward: list[str] = []
    before = None
    while True:
        page = await fetch(gql_session, sort=sort, last=9, before=before)
        backward = [e["node"]["id"] for e in page["edges"]] + backward
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert backward == expected


async def test_cursor_reused_with_another_filter_sort_or_search_is_rejected(gql_session: Any) -> None:
    page = await fetch(gql_session, first=5, filter={"status": ["ACTIVE"]})
    cursor = page["pageInfo"]["endCursor"]
    for other in ({"filter": {"status": ["TRIAL"]}}, {"filter": {"status": ["ACTIVE"]}, "search": "a"},
                  {"filter": {"status": ["ACTIVE"]}, "sort": {"field": "MRR", "direction": "ASC"}}, {}):
        with pytest.raises(TransportQueryError) as err:
            await fetch(gql_session, first=5, after=cursor, **other)
        assert err.value.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert "another query" in err.value.errors[0]["message"]


@pytest.mark.parametrize("text,pred", [
    ("alpha", lambda d: any(w.startswith("alpha") for w in d["name_lc"].split())),
    ("COFF", lambda d: any(w.startswith("coff") for w in d["name_lc"].split())),
    ("owner1", lambda d: (d["email_lc"] or "").startswith("owner1")),
    ("beta book", lambda d: any(w.startswith("beta") for w in d["name_lc"].split())
     and any(w.startswith("book") for w in d["name_lc"].split() + [d["domain_lc"]])),
])
async def test_search_by_name_domain_or_email_prefix(gql_session: Any, seeded: Seeded, text: str, pred: Any) -> None:
    expected = ordered(matching(seeded.customers[APP_A1], pred), "SHOP_NAME", True)
    assert expected, text
    got = await all_ids(gql_session, search=text, sort={"field": "SHOP_NAME", "direction": "ASC"})
    assert got == gids(expected)


async def test_search_by_domain_prefix_and_whole_email(gql_session: Any, seeded: Seeded) -> None:
    docs = matching(seeded.customers[APP_A1], lambda d: True)
    target = docs[3]
    prefix = target["domain"][: target["domain"].index("-") + 2].upper()  # e.g. "ALPHA-4"
    expected = ordered([d for d in docs if d["domain_lc"].startswith(prefix.lower())], "DOMAIN", True)
    assert target["_id"] in expected
    assert await all_ids(gql_session, search=prefix, sort={"field": "DOMAIN", "direction": "ASC"}) == gids(expected)
    with_email = next(d for d in docs if d["email"])
    got = await all_ids(gql_session, search=with_email["email"])
    assert got == gids([with_email["_id"]])


async def test_search_combines_with_filters(gql_session: Any, seeded: Seeded) -> None:
    def pred(d: dict[str, Any]) -> bool:
        return d["status"] == "ACTIVE" and any(t.startswith("owner") for t in d["search_terms"])
    expected = ordered(matching(seeded.customers[APP_A1], pred), "INSTALLED_AT", False)
    got = await all_ids(gql_session, search="owner", filter={"status": ["ACTIVE"]})
    assert got == gids(expected)


async def test_search_matches_word_prefixes_only(gql_session: Any) -> None:
    page = await fetch(gql_session, search="lpha")  # inside "alpha", not a prefix
    assert page["totalCount"] == 0 and page["edges"] == []


async def test_money_is_shown_with_two_decimals_half_up(gql_session: Any, seeded: Seeded) -> None:
    annual = [d for d in seeded.customers[APP_A1] if d["billing_interval"] == "ANNUAL" and d["paid"]
              and not d["is_test"]]
    assert annual
    ids = set(gids([d["_id"] for d in annual]))
    page = await fetch(gql_session, first=250)
    amounts = {e["node"]["id"]: e["node"]["mrr"]["amount"] for e in page["edges"]}
    for d in annual:
        exact = mrr(d)
        shown = amounts[customer_global_id(d["_id"])]
        assert shown == str(exact.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP"))
        assert shown.endswith(("0", "1")) and len(shown.split(".")[1]) == 2
    assert ids
