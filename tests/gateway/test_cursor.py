"""Pure tests of cursors, keyset conditions and page limits."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from bson import Decimal128

from crm_gateway.money import format_money
from crm_gateway.pagination.cursor import Position, decode_cursor, encode_cursor, query_hash
from crm_gateway.pagination.keyset import after_condition
from crm_gateway.pagination.limits import page_request
from crm_shared.errors import UserInputError


@pytest.mark.parametrize("value", [None, "abc", datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
                                   Decimal128("29.005"), 17])
def test_cursor_round_trips_typed_values(value: object) -> None:
    h = query_hash("app", {"status": ["ACTIVE"]})
    pos = decode_cursor(encode_cursor(value, "app|shop", h), h)
    assert pos == Position(value=value, id="app|shop")


def test_cursor_from_another_query_is_rejected() -> None:
    c = encode_cursor("x", "id", query_hash("app", {"status": ["ACTIVE"]}))
    with pytest.raises(UserInputError, match="another query"):
        decode_cursor(c, query_hash("app", {"status": ["TRIAL"]}))


@pytest.mark.parametrize("junk", ["", "!!!", "bm90IGpzb24", "eyJ2IjogMX0"])
def test_malformed_cursors_are_rejected(junk: str) -> None:
    with pytest.raises(UserInputError, match="malformed"):
        decode_cursor(junk, "h")


def test_descending_after_a_value_includes_the_null_tail() -> None:
    cond = after_condition("email_lc", False, Position("m", "id5"))
    assert {"email_lc": None} in cond["$or"]


def test_ascending_after_null_moves_to_non_nulls() -> None:
    cond = after_condition("email_lc", True, Position(None, "id5"))
    assert cond == {"$or": [{"email_lc": None, "_id": {"$gt": "id5"}}, {"email_lc": {"$ne": None}}]}


@pytest.mark.parametrize("args", [
    dict(first=251, after=None), dict(first=-1, after=None), dict(first=1, after=None, last=1),
    dict(first=None, after="a", last=None, before="b"), dict(first=5, after=None, last=None, before="b"),
])
def test_page_limits(args: dict) -> None:
    with pytest.raises(UserInputError):
        page_request(**args)


def test_default_page_is_fifty_and_max_is_allowed() -> None:
    assert page_request(None, None).size == 50
    assert page_request(250, None).size == 250
    assert page_request(None, None, 10, None).backward


@pytest.mark.parametrize("raw,shown", [("29", "29.00"), ("0.005", "0.01"), ("2.675", "2.68"), ("-0.005", "-0.01"),
                                       (Decimal128("1.994999"), "1.99"), (None, "0.00")])
def test_money_is_rounded_half_up_to_two_decimals(raw: object, shown: str) -> None:
    assert format_money(raw) == shown
