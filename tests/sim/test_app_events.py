"""``app(id) { events(...) }``: newest first, filters, cursors bound to their filters."""

from __future__ import annotations

from typing import Any

import httpx

from partner_sim.server import SimServer
from tests.sim.conftest import APP, OTHER_APP, gql

EVENTS = """
query($app: ID!, $first: Int, $after: String, $last: Int, $before: String, $types: [AppEventTypes!],
      $shopId: ID, $chargeId: ID, $min: DateTime, $max: DateTime) {
  app(id: $app) {
    events(first: $first, after: $after, last: $last, before: $before, types: $types, shopId: $shopId,
           chargeId: $chargeId, occurredAtMin: $min, occurredAtMax: $max) {
      edges { cursor node { __typename type occurredAt shop { id }
        ... on AppSubscriptionEvent { charge { id name amount { amount currencyCode } billingOn } }
        ... on RelationshipUninstalled { reason description } } }
      pageInfo { hasNextPage hasPreviousPage }
    }
  }
}"""


def events(client: httpx.Client, sim: SimServer, **variables: Any) -> dict[str, Any]:
    body = gql(client, sim, EVENTS, {"app": APP, **variables}).json()
    assert "errors" not in body, body
    return body["data"]["app"]["events"]  # type: ignore[no-any-return]


def test_unknown_app_is_null_with_http_200(client: httpx.Client, sim: SimServer) -> None:
    resp = gql(client, sim, '{ app(id: "gid://partners/App/424242") { id name } }')
    assert resp.status_code == 200
    assert resp.json() == {"data": {"app": None}}


def test_app_of_another_organization_is_null(client: httpx.Client, sim: SimServer) -> None:
    resp = gql(client, sim, "query($id: ID!) { app(id: $id) { id events(first: 5) { edges { cursor } } } }",
               {"id": OTHER_APP})
    assert resp.json() == {"data": {"app": None}}


def test_app_fields_are_served(client: httpx.Client, sim: SimServer) -> None:
    body = gql(client, sim, "query($id: ID!) { app(id: $id) { id name apiKey } }", {"id": APP}).json()
    assert body == {"data": {"app": {"id": APP, "name": "Ranky", "apiKey": "k101"}}}


def test_events_come_newest_first_with_same_second_pairs_together(client: httpx.Client, sim: SimServer) -> None:
    page = events(client, sim, first=100)
    times = [e["node"]["occurredAt"] for e in page["edges"]]
    assert times == sorted(times, reverse=True)
    assert len(times) == 8  # the foreign app's event is not served
    assert times.count("2026-02-10T12:00:00Z") == 2
    assert page["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": False}


def test_paging_with_after_visits_every_event_once(client: httpx.Client, sim: SimServer) -> None:
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = events(client, sim, first=3, after=after)
        pages += 1
        seen += [e["cursor"] for e in page["edges"]]
        if pages > 1:
            assert page["pageInfo"]["hasPreviousPage"] is True
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["edges"][-1]["cursor"]
    assert pages == 3
    assert len(seen) == len(set(seen)) == 8


def test_last_and_before_page_backwards(client: httpx.Client, sim: SimServer) -> None:
    everything = events(client, sim, first=100)["edges"]
    tail = events(client, sim, last=2)
    assert [e["cursor"] for e in tail["edges"]] == [e["cursor"] for e in everything[-2:]]
    assert tail["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": True}
    before = events(client, sim, last=3, before=everything[-2]["cursor"])
    assert [e["cursor"] for e in before["edges"]] == [e["cursor"] for e in everything[-5:-2]]


def test_cursor_from_other_filters_is_an_error(client: httpx.Client, sim: SimServer) -> None:
    cursor = events(client, sim, first=1)["edges"][0]["cursor"]
    body = gql(client, sim, EVENTS, {"app": APP, "first": 5, "after": cursor,
                                     "types": ["RELATIONSHIP_INSTALLED"]}).json()
    assert body["data"] == {"app": None}
    assert body["errors"][0]["message"] == "Invalid cursor: it was returned by a query with different arguments"
    assert body["errors"][0]["path"] == ["app", "events"]


def test_malformed_cursor_is_an_error(client: httpx.Client, sim: SimServer) -> None:
    body = gql(client, sim, EVENTS, {"app": APP, "first": 5, "after": "not-a-cursor"}).json()
    assert body["errors"][0]["message"].startswith("Invalid cursor")


def test_neither_first_nor_last_is_an_error(client: httpx.Client, sim: SimServer) -> None:
    body = gql(client, sim, EVENTS, {"app": APP}).json()
    assert body["errors"][0]["message"] == "You must provide one of first or last"


def test_types_filter(client: httpx.Client, sim: SimServer) -> None:
    page = events(client, sim, first=100, types=["SUBSCRIPTION_CHARGE_ACTIVATED", "SUBSCRIPTION_CHARGE_CANCELED"])
    assert {e["node"]["type"] for e in page["edges"]} == {"SUBSCRIPTION_CHARGE_ACTIVATED",
                                                         "SUBSCRIPTION_CHARGE_CANCELED"}
    assert len(page["edges"]) == 4


def test_shop_and_charge_filters(client: httpx.Client, sim: SimServer) -> None:
    shop2 = events(client, sim, first=100, shopId="gid://partners/Shop/2")
    assert len(shop2["edges"]) == 4 and {e["node"]["shop"]["id"] for e in shop2["edges"]} == {"gid://partners/Shop/2"}
    charge = events(client, sim, first=100, chargeId="gid://shopify/AppSubscription/21")
    assert [e["node"]["type"] for e in charge["edges"]] == ["SUBSCRIPTION_CHARGE_CANCELED",
                                                            "SUBSCRIPTION_CHARGE_ACTIVATED"]
    both = events(client, sim, first=100, shopId="gid://partners/Shop/1", chargeId="gid://shopify/AppSubscription/21")
    assert both["edges"] == []


def test_occurred_at_bounds_are_inclusive(client: httpx.Client, sim: SimServer) -> None:
    page = events(client, sim, first=100, min="2026-01-06T09:00:00Z", max="2026-02-10T12:00:00Z")
    times = [e["node"]["occurredAt"] for e in page["edges"]]
    assert times[0] == "2026-02-10T12:00:00Z" and times[-1] == "2026-01-06T09:00:00Z"
    assert len(times) == 5


def test_uninstall_carries_localized_reason_and_charge_fields(client: httpx.Client, sim: SimServer) -> None:
    page = events(client, sim, first=100)
    uninstall = next(e["node"] for e in page["edges"] if e["node"]["type"] == "RELATIONSHIP_UNINSTALLED")
    assert uninstall == {"__typename": "RelationshipUninstalled", "type": "RELATIONSHIP_UNINSTALLED",
                         "occurredAt": "2026-02-20T08:00:00Z", "shop": {"id": "gid://partners/Shop/3"},
                         "reason": "Trop cher", "description": None}
    activation = next(e["node"] for e in page["edges"]
                      if e["node"]["type"] == "SUBSCRIPTION_CHARGE_ACTIVATED"
                           and e["node"]["shop"]["id"].endswith("/1"))
    assert activation["charge"] == {"id": "gid://shopify/AppSubscription/11", "name": "Pro",
                                    "amount": {"amount": "29.00", "currencyCode": "USD"},
                                    "billingOn": "2026-01-19T00:00:00Z"}


def test_event_app_field_resolves_the_full_app(client: httpx.Client, sim: SimServer) -> None:
    body = gql(client, sim, "query($id: ID!) { app(id: $id) { events(first: 1) { edges { node { app { id name apiKey } "
                            "} } } } }", {"id": APP}).json()
    assert body["data"]["app"]["events"]["edges"][0]["node"]["app"] == {"id": APP, "name": "Ranky", "apiKey": "k101"}
