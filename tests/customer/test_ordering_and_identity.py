"""Order of events, shop identity, profile facts and the document's shape."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from crm_shared.errors import MalformedDataError
from crm_shared.store.customers import CustomerDoc
from tests.customer.history import History, day, midnight, sub_id
from tests.customer.test_relationship import paying_shop, types


def test_same_second_events_ordered_by_lifecycle_then_charge() -> None:
    # Install, activation and uninstall in one second: closing events win the tie.
    h = History().charge(1, billing_on=midnight(30)).charge(2, "Plus", "49.00", billing_on=midnight(30))
    t = day(0)
    h.uninstall(t).cancel(1, t).activate(2, t).activate(1, t).install(t)
    for seed in range(5):
        random.Random(seed).shuffle(h.events)
        doc = h.derive(day(1))
        assert types(doc) == ["INSTALLED", "SUBSCRIBED", "UPGRADED", "UNINSTALLED"]
        assert doc["status"] == "UNINSTALLED"


def test_same_second_freeze_and_unfreeze_resolve_to_frozen() -> None:
    h = paying_shop()
    h.unfreeze(1, day(10)).freeze(1, day(10))
    assert h.derive(day(11))["status"] == "FROZEN"


def test_duplicate_events_are_folded_once() -> None:
    h = paying_shop()
    h.events.extend([dict(e) for e in h.events])
    assert types(h.derive(day(5))) == ["INSTALLED", "SUBSCRIBED"]


def test_events_after_now_are_ignored() -> None:
    doc = paying_shop().uninstall(day(40)).derive(day(20))
    assert doc["status"] == "ACTIVE"


def test_redacted_shop_is_keyed_by_id() -> None:
    h = History(shop_number=77, name="REDACTED", domain="REDACTED").install(day(0))
    doc = h.derive(day(1))
    assert doc["_id"] == "gid://partners/App/101|gid://partners/Shop/77"
    assert doc["shop_id"] == "gid://partners/Shop/77"
    assert doc["name"] == "REDACTED" and doc["domain"] == "REDACTED"


def test_name_and_domain_come_from_the_newest_event_or_transaction() -> None:
    h = paying_shop()
    h.name, h.domain = "Alpha Renamed", "alpha-new.myshopify.com"
    h.sale(1, day(20), "29.00", charge=sub_id(1))
    doc = h.derive(day(30))
    assert doc["name"] == "Alpha Renamed" and doc["domain"] == "alpha-new.myshopify.com"


def test_search_fields_are_lower_cased_words_domain_and_email() -> None:
    h = History(name="Café Müller & Sons_2", domain="Cafe-Muller.myshopify.com").install(day(0))
    doc = h.derive(day(1), profile={"email": "Owner@Cafe.Example", "country": "DE", "shopify_plan": "basic",
                                    "last_active_at": None})
    assert doc["name_lc"] == "café müller & sons_2"
    assert doc["domain_lc"] == "cafe-muller.myshopify.com"
    assert doc["email_lc"] == "owner@cafe.example"
    assert doc["search_terms"] == ["2", "cafe-muller", "cafe-muller.myshopify.com", "café", "müller",
                                   "owner", "owner@cafe.example", "sons"]
    assert (doc["country"], doc["shopify_plan"]) == ("DE", "basic")


def test_last_active_prefers_profile_then_latest_event_or_transaction() -> None:
    h = paying_shop().sale(1, day(20), "29.00", charge=sub_id(1))
    assert h.derive(day(30))["last_active_at"] == day(20)
    naive = datetime(2025, 1, 25, 8, 0)  # a naive UTC time as a non-tz-aware client returns it
    doc = h.derive(day(30), profile={"email": None, "country": None, "shopify_plan": None, "last_active_at": naive})
    assert doc["last_active_at"] == naive.replace(tzinfo=UTC)


def test_output_has_exactly_the_fields_of_the_typed_customer_document() -> None:
    doc = paying_shop().derive(day(5))
    assert set(doc) == set(CustomerDoc.__annotations__)


def test_timeline_and_history_entries_have_documented_keys() -> None:
    doc = paying_shop().derive(day(5))
    assert set(doc["timeline"][0]) == {"type", "occurred_at", "plan", "mrr_before", "mrr_after", "currency",
                                       "charge_id", "detail"}
    assert set(doc["mrr_history"][0]) == {"at", "mrr", "currency", "annotation"}
    assert set(doc["charges"][0]) == {"charge_id", "name", "state", "amount", "currency", "interval",
                                      "interval_inferred", "activated_at", "trial_ends_at", "test"}
    assert doc["segments"] == []


def test_unreadable_nodes_raise_malformed_data_error() -> None:
    broken_event = paying_shop()
    del broken_event.events[0]["node"]["occurredAt"]
    broken_charge = paying_shop()
    del broken_charge.events[1]["node"]["charge"]["id"]
    broken_sale = paying_shop().sale(1, day(3), "29.00")
    broken_sale.transactions[0]["node"]["grossAmount"]["amount"] = "twenty"
    for history in (broken_event, broken_charge, broken_sale):
        with pytest.raises(MalformedDataError):
            history.derive(day(5))
