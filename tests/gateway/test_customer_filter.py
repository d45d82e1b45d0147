"""Pure tests of the filter → MongoDB translation (crm_shared.customer_filter)."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from bson import Decimal128

from crm_shared.customer_filter import build_query, search_query
from crm_shared.errors import UserInputError

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
APP = "gid://partners/App/1"


def clauses(q: dict) -> list[dict]:
    return q["$and"] if "$and" in q else [q]


def test_empty_filter_scopes_to_app_and_excludes_test_shops() -> None:
    assert build_query(APP, {}, NOW) == {"$and": [{"app_id": APP}, {"is_test": False}]}


def test_include_test_drops_the_test_clause() -> None:
    assert build_query(APP, {"include_test": True}, NOW) == {"app_id": APP}


def test_every_filter_combines_with_and() -> None:
    q = build_query(APP, {
        "status": ["ACTIVE", "TRIAL"], "plan": ["Pro"], "paid": True, "country": ["us"],
        "mrr_min": Decimal("10"), "mrr_max": "50.5", "installed_from": NOW, "installed_to": NOW,
        "last_active_from": "2026-01-01T00:00:00Z", "segment": "VIP",
    }, NOW)
    got = clauses(q)
    assert {"status": {"$in": ["ACTIVE", "TRIAL"]}} in got
    assert {"plan": {"$in": ["Pro"]}} in got
    assert {"paid": True} in got
    assert {"country": {"$in": ["US"]}} in got
    assert {"mrr": {"$gte": Decimal128("10"), "$lte": Decimal128("50.5")}} in got
    assert {"installed_at": {"$gte": NOW, "$lte": NOW}} in got
    assert {"last_active_at": {"$gte": datetime(2026, 1, 1, tzinfo=timezone.utc)}} in got
    assert {"segments": "VIP"} in got


def test_ranges_are_inclusive_and_may_be_equal() -> None:
    q = build_query(APP, {"mrr_min": "5", "mrr_max": "5"}, NOW)
    assert {"mrr": {"$gte": Decimal128("5"), "$lte": Decimal128("5")}} in clauses(q)


@pytest.mark.parametrize("bad", [
    {"mrr_min": "50", "mrr_max": "10"},
    {"installed_from": datetime(2026, 2, 1, tzinfo=timezone.utc),
     "installed_to": datetime(2026, 1, 1, tzinfo=timezone.utc)},
    {"last_active_from": "2026-02-01T00:00:00Z", "last_active_to": "2026-01-01T00:00:00Z"},
    {"status": ["SLEEPING"]},
    {"mrr_min": "ten"},
    {"mrr_min": 1.5},
    {"mrr_max": "NaN"},
    {"installed_from": "yesterday"},
    {"segment": "FAVOURITES"},
    {"colour": "red"},
    {"paid": "yes"},
])
def test_bad_filters_are_user_input_errors(bad: dict) -> None:
    with pytest.raises(UserInputError):
        build_query(APP, bad, NOW)


def test_saved_segment_key_is_accepted() -> None:
    assert {"segments": "saved:big-eu"} in clauses(build_query(APP, {"segment": "saved:big-eu"}, NOW))


def test_naive_now_is_rejected() -> None:
    with pytest.raises(ValueError):
        build_query(APP, {}, datetime(2026, 1, 1))


def test_search_is_a_lowercased_prefix_range_per_word() -> None:
    assert search_query("  Alpha  ") == {"search_terms": {"$elemMatch": {"$gte": "alpha", "$lt": "alpha\U0010ffff"}}}
    q = search_query("Alpha cof")
    assert q == {"$and": [{"search_terms": {"$elemMatch": {"$gte": "alpha", "$lt": "alpha\U0010ffff"}}},
                          {"search_terms": {"$elemMatch": {"$gte": "cof", "$lt": "cof\U0010ffff"}}}]}
    assert search_query("") is None and search_query(None) is None


def test_search_never_uses_regex_or_text() -> None:
    text = repr(search_query("a.b*c(")) + repr(build_query(APP, {"plan": ["a.*"]}, NOW))
    assert "$regex" not in text and "$text" not in text


def test_overlong_search_is_rejected() -> None:
    with pytest.raises(UserInputError):
        search_query("x" * 101)
    with pytest.raises(UserInputError):
        search_query("a b c d e f")
