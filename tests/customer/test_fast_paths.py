"""The derivation's fast paths agree with the plain forms they stand in for."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from crm_shared.customer.charges import cents
from crm_shared.customer.ledger import _from_key
from crm_shared.customer.ordering import order_events
from crm_shared.customer.search import search_terms
from crm_shared.errors import MalformedDataError
from tests.customer.history import History, day, midnight
from tests.customer.test_relationship import paying_shop, types

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _node(type_: str, at: str, cid: object = "c1", name: str = "first") -> dict:
    return {"node": {"type": type_, "occurredAt": at, "charge": {"id": cid, "name": name}}}


def test_duplicates_spelled_differently_are_folded_once_and_the_last_wins() -> None:
    events = [
        _node("SUBSCRIPTION_CHARGE_ACTIVATED", "2025-03-01T10:00:00Z", name="first"),
        _node("SUBSCRIPTION_CHARGE_ACTIVATED", "2025-03-01T12:00:00+02:00", name="second"),
        _node("SUBSCRIPTION_CHARGE_ACTIVATED", "2025-03-01T10:00:00", name="third"),
        _node("SUBSCRIPTION_CHARGE_CANCELED", "2025-03-01T10:00:00Z"),
    ]
    ordered = order_events(events, NOW).events
    assert [(ev[3], ev[5]["charge"]["name"]) for ev in ordered] == [
        ("SUBSCRIPTION_CHARGE_ACTIVATED", "third"), ("SUBSCRIPTION_CHARGE_CANCELED", "first")]


def test_duplicate_events_in_a_shuffled_history_derive_like_the_unique_ones() -> None:
    h = paying_shop().freeze(1, day(10)).unfreeze(1, day(12)).one_time(1, day(13))
    want = h.derive(day(20))
    h.events.extend([{"node": dict(e["node"])} for e in h.events])
    random.Random(3).shuffle(h.events)
    assert h.derive(day(20)) == want


@pytest.mark.parametrize("odd_id", [7, None, ("gid", 1)])
def test_non_string_charge_ids_are_ordered_like_dict_keys(odd_id: object) -> None:
    events = [
        _node("SUBSCRIPTION_CHARGE_ACTIVATED", "2025-03-01T10:00:00Z", cid=odd_id, name="a"),
        _node("SUBSCRIPTION_CHARGE_ACTIVATED", "2025-03-01T10:00:00Z", cid=odd_id, name="b"),
        _node("SUBSCRIPTION_CHARGE_CANCELED", "2025-02-01T10:00:00Z", cid="c1"),
    ]
    ordered = order_events(events, NOW).events
    assert [(ev[3], ev[5]["charge"]["name"]) for ev in ordered] == [
        ("SUBSCRIPTION_CHARGE_CANCELED", "first"), ("SUBSCRIPTION_CHARGE_ACTIVATED", "b")]


def test_unhashable_charge_id_is_malformed() -> None:
    events = [_node("SUBSCRIPTION_CHARGE_ACTIVATED", "2025-03-01T10:00:00Z", cid={"id": 1})]
    with pytest.raises(MalformedDataError, match="unhashable type: 'dict'"):
        order_events(events, NOW)


def test_plan_change_detail_amounts() -> None:
    h = History().install(day(0)).charge(1, "Annual", "100.00", billing_on=midnight(400))
    h.activate(1, day(1)).charge(2, "Pro", "29.5", billing_on=midnight(40))
    h.activate(2, day(10)).cancel(1, day(10))
    doc = h.derive(day(11))
    assert types(doc)[-1] == "UPGRADED"
    assert doc["timeline"][-1]["detail"] == "Annual 8.33 USD → Pro 29.50 USD"


@pytest.mark.parametrize("text", ["0.00", "-0.00", "29.00", "0.05", "1E+2", "1.5", "2.4166666666666666666666666667",
                                  "-1.255", "NaN", "Infinity", "-Infinity", "1.25E+10", "1.5E-7", "0E-2", "12.345"])
def test_cents_is_the_two_decimal_format(text: str) -> None:
    assert cents(Decimal(text)) == f"{Decimal(text):.2f}"


@pytest.mark.parametrize("name", ["Alpha Goods", "Café & Co.", "ß_straße  İstanbul", "a\u00a0b\u3000c", "x-y_z 12½",
                                  "", "___", "中文 店", "tab\tsep\nline", "e\u0301 combining"])
def test_search_words_match_the_regex_split(name: str) -> None:
    words = {w for w in re.split(r"[\W_]+", name.lower()) if w}
    assert set(search_terms(name, None, None)) == words


def test_transaction_time_keys_parse_to_aware_utc() -> None:
    assert _from_key("2026-01-05T10:00:00.000000") == datetime(2026, 1, 5, 10, tzinfo=UTC)
    assert _from_key("2026-01-05T10:00:00.000000").tzinfo is UTC
    with pytest.raises(ValueError, match=r"^Invalid isoformat string: 'not-a-time'$"):
        _from_key("not-a-time")  # the error names the key, not the key with an offset
