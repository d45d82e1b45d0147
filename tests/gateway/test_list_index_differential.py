"""The list index answers exactly as the MongoDB path does (the oracle), over random customer sets and queries.

Each hypothesis example stores a random set of customers (ties, nulls, several currencies, test shops, unicode
names, decimals that only compare exactly as decimals) and saved segments in a fresh app, builds the app's
snapshot, then runs random filters, searches and sorts, walking pages forward and back with the cursors of
the MongoDB path: pages (rows, cursors, flags), counts, facets and errors must be equal.  `CASES` counts the
compared queries; the summary test prints it.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from bson import Decimal128
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pymongo.asynchronous.database import AsyncDatabase

from crm_gateway.customer_listing import (
    ListQuery,
    count_list,
    customer_facets,
    index_page,
    mongo_page,
)
from crm_gateway.graphql.resolvers.customers import LIST_PROJECTION
from crm_gateway.indexes import ensure_indexes
from crm_gateway.list_index.frame import AppSnapshot
from crm_gateway.pagination.limits import PageRequest
from crm_gateway.sorting import SORT_FIELDS, make_sort
from crm_shared.customer.search import lower_or_none, search_terms
from crm_shared.customer_filter import BUILT_IN_SEGMENTS, STATUSES
from crm_shared.errors import UserInputError
from crm_shared.ids import customer_key
from crm_shared.mongo import CUSTOMERS, SAVED_SEGMENTS

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
CASES = {"pages": 0, "counts": 0, "facets": 0, "errors": 0, "examples": 0}

# Decimals that tie, that differ only beyond the cents, that only sort right as decimals (annual / 12).
MONEY = [Decimal("0"), Decimal("0.00"), Decimal("9.99"), Decimal("9.990"), Decimal("29"), Decimal("29.00"),
         Decimal("100") / Decimal("12"), Decimal("8.33"), Decimal("8.3333333333333333333333333333333"),
         Decimal("49.000001"), Decimal("1234567.5"), Decimal("0.005")]
DATES = [NOW - timedelta(days=d, milliseconds=ms) for d in (0, 1, 30, 400) for ms in (0, 1, 999)]
NAME_WORDS = ["Alpha", "alpine", "Été", "été", "Straße", "東京", "Zoë", "zebra", "a", "Ab", "ab-c", "🙂 shop", "Ω"]
PLANS = ["Basic", "Pro", "Pro ", "Plus", "Free", "Ünlimited"]
COUNTRIES = ["US", "DE", "FR", None, "fr"]
CURRENCIES = ["USD", "EUR", "JPY"]


@st.composite
def customers(draw: Any, app_id: str) -> list[dict[str, Any]]:
    n = draw(st.integers(min_value=0, max_value=30))
    out = []
    for i in range(n):
        shop = f"gid://partners/Shop/{i:03d}{draw(st.sampled_from(['', '0', '99']))}"
        name = " ".join(draw(st.lists(st.sampled_from(NAME_WORDS), min_size=1, max_size=3)))
        domain = f"{draw(st.sampled_from(['alpha', 'beta', 'ete', 'a']))}-{i}.myshopify.com"
        email = draw(st.sampled_from([None, f"Owner{i}@Example.com", f"été{i}@x.fr", "shared@x.com"]))
        status = draw(st.sampled_from(STATUSES))
        mrr = draw(st.sampled_from(MONEY))
        segments = draw(st.lists(st.sampled_from([*BUILT_IN_SEGMENTS, "saved:big"]), unique=True, max_size=3))
        doc = {
            "_id": customer_key(app_id, shop),
            "app_id": app_id,
            "shop_id": shop,
            "name": name,
            "domain": domain,
            "email": email,
            "country": draw(st.sampled_from(COUNTRIES)),
            "status": status,
            "plan": draw(st.sampled_from(PLANS)),
            "paid": draw(st.sampled_from([True, False, mrr > 0])),
            "mrr": Decimal128(mrr),
            "currency": draw(st.sampled_from(CURRENCIES)),
            "installed_at": draw(st.sampled_from(DATES)),
            "last_active_at": draw(st.sampled_from([None, *DATES])),
            "lifetime_value": Decimal128(draw(st.sampled_from(MONEY))),
            "last_paid_mrr": draw(st.sampled_from([None, *(Decimal128(m) for m in MONEY)])),
            "is_test": draw(st.booleans()) if i % 3 == 0 else False,
            "health": {"score": i, "grade": "A", "factors": []},
            "segments": segments,
            "timeline": [{"type": "INSTALLED", "occurred_at": NOW}],
            "mrr_history": [],
            "lifetime_by_currency": [],
            "name_lc": name.lower(),
            "domain_lc": domain.lower(),
            "email_lc": lower_or_none(email),
            "search_terms": search_terms(name, domain, email),
            "computed_at": NOW,
        }
        out.append(doc)
    return out


def filters() -> st.SearchStrategy[dict[str, Any]]:
    money = st.sampled_from([str(m) for m in MONEY] + ["8.333333333333333333333333333333", "-1", "29.0"])
    dates = st.sampled_from(DATES + [NOW + timedelta(microseconds=500), NOW - timedelta(days=2, microseconds=1)])
    return st.fixed_dictionaries({}, optional={
        "status": st.lists(st.sampled_from(STATUSES), min_size=1, max_size=3, unique=True),
        "plan": st.lists(st.sampled_from(PLANS), min_size=1, max_size=2, unique=True),
        "country": st.lists(st.sampled_from(["US", "de", "FR", "GB"]), min_size=1, max_size=2, unique=True),
        "paid": st.booleans(),
        "mrr_min": money,
        "mrr_max": money,
        "last_paid_mrr_min": money,
        "last_paid_mrr_max": money,
        "installed_from": dates,
        "installed_to": dates,
        "last_active_from": dates,
        "last_active_to": dates,
        "segment": st.sampled_from([*BUILT_IN_SEGMENTS, "saved:big", "saved:eu", "saved:missing"]),
        "include_test": st.booleans(),
    })


SEARCHES = st.one_of(st.none(), st.sampled_from(["a", "al", "alpha", "été", "ÉTÉ", "stra", "東", "z", "ab-", "a b",
                                                 "owner", "shared@x", "alpha-1", "  ", "x\x00y", "🙂", "q"]))
QUERIES = st.lists(st.tuples(filters(), SEARCHES, st.sampled_from(list(SORT_FIELDS)), st.booleans(),
                             st.integers(1, 6), st.integers(1, 4)), min_size=1, max_size=12)


async def _compare_page(db: AsyncDatabase, snap: AppSnapshot, q: ListQuery, req: PageRequest) -> Any:
    try:
        expected = await mongo_page(db, q, req, NOW, LIST_PROJECTION)
    except UserInputError as exc:
        with pytest.raises(UserInputError) as got:
            await index_page(db, snap, q, req)
        assert str(got.value) == str(exc)
        CASES["errors"] += 1
        return None
    got_page = await index_page(db, snap, q, req)
    assert [r["_id"] for r in got_page.rows] == [r["_id"] for r in expected.rows], q
    assert got_page.rows == expected.rows
    assert got_page.cursors == expected.cursors
    assert (got_page.has_next, got_page.has_previous) == (expected.has_next, expected.has_previous)
    CASES["pages"] += 1
    return expected


def incremental_snapshot(app_id: str, stored: list[dict[str, Any]], noise: list[dict[str, Any]]) -> AppSnapshot:
    """The snapshot reached the way the change stream reaches it: from an older state (other customers, older
    versions of these), by batches of changes, so new values take keys in the gaps between known ones."""
    snap = AppSnapshot.build(app_id, noise[: len(noise) // 2])
    older = [{**d, "_id": stored[i % len(stored)]["_id"]} for i, d in enumerate(noise[len(noise) // 2:])] if stored \
        else []
    snap = snap.apply({d["_id"]: d for d in older})
    batches = [stored[i::3] for i in range(3)]
    for batch in batches:
        snap = snap.apply({d["_id"]: d for d in batch})
    snap = snap.apply({d["_id"]: None for d in noise[: len(noise) // 2]})
    scratch = AppSnapshot.build(app_id, stored)
    assert sorted(snap.frame["_id"].to_list()) == sorted(scratch.frame["_id"].to_list())
    return snap


async def _run_example(db: AsyncDatabase, docs: list[dict[str, Any]], saved: list[dict[str, Any]],
                       queries: list[Any], app_id: str, noise: list[dict[str, Any]]) -> None:
    if docs:
        await db[CUSTOMERS].insert_many(docs)
    for s in saved:
        await db[SAVED_SEGMENTS].insert_one({"_id": f"{app_id}|{s['key']}", "app_id": app_id, "created_at": NOW,
                                             "name": s["key"], **s})
    try:
        stored = await db[CUSTOMERS].find({"app_id": app_id}).to_list()
        snap = incremental_snapshot(app_id, stored, noise)
        for i, (f, search, sort_name, ascending, size, steps) in enumerate(queries):
            q = ListQuery(app_id, f, search, make_sort(sort_name, "ASC" if ascending else "DESC"))
            page = await _compare_page(db, snap, q, PageRequest(size, False, None))
            if page is None:
                continue
            expected_count = await count_list(db, q, NOW)
            assert await page.count() == expected_count  # the MongoDB page's count
            from crm_gateway.customer_listing import index_page as ip
            assert await (await ip(db, snap, q, PageRequest(0, False, None))).count() == expected_count
            CASES["counts"] += 1
            # forward with the cursors, then back from where the walk stopped
            trail = [page]
            for _ in range(steps):
                if not page.has_next:
                    break
                page = await _compare_page(db, snap, q, PageRequest(size, False, page.cursors[-1]))
                trail.append(page)
            for _ in range(steps):
                if not page.cursors or not page.has_previous:
                    break
                page = await _compare_page(db, snap, q, PageRequest(size, True, page.cursors[0]))
            if i % 4 == 0:
                from crm_gateway.list_index.manager import ListIndex

                class _Fixed(ListIndex):
                    def snapshot(self, _app: str) -> AppSnapshot | None:
                        return snap

                fixed = _Fixed(lambda: db, 1 << 30, 0)
                assert await customer_facets(db, q, NOW, fixed) == await customer_facets(db, q, NOW, None)
                CASES["facets"] += 1
    finally:
        await db[CUSTOMERS].delete_many({"app_id": app_id})
        await db[SAVED_SEGMENTS].delete_many({"app_id": app_id})


EXAMPLES = int(os.environ.get("CRM_DIFF_EXAMPLES", "150"))


@pytest.fixture(scope="module")
async def diff_db(mongo_uri: str) -> Any:
    from tests.conftest import fresh_database

    async for database in fresh_database(mongo_uri):
        await ensure_indexes(database)
        yield database


@settings(max_examples=EXAMPLES, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
@given(data=st.data())
async def test_index_equals_mongodb_path(diff_db: AsyncDatabase, data: st.DataObject) -> None:
    app_id = f"gid://partners/App/{uuid.uuid4().int % 10**9}"
    docs = data.draw(customers(app_id), label="customers")
    saved = [
        {"key": "saved:big", "filter": data.draw(filters().map(
            # a saved filter was validated when saved: no saved segment inside, no inverted range
            lambda f: {k: (Decimal128(v) if k.startswith("mrr") else v) for k, v in f.items()
                       if not (k == "segment" and str(v).startswith("saved:")) and not k.endswith(("_max", "_to"))}),
            label="saved big")},
        {"key": "saved:eu", "filter": {"country": ["DE", "FR"], "include_test": data.draw(st.booleans())}},
    ]
    queries = data.draw(QUERIES, label="queries")
    noise = [{**d, "_id": f"{d['_id']}-old"} for d in data.draw(customers(app_id), label="older state")]
    await _run_example(diff_db, docs, saved, queries, app_id, noise)
    CASES["examples"] += 1


def test_differential_case_count() -> None:
    """Prints how many cases the differential test compared (run after it, in file order)."""
    print(f"\nlist index differential cases: {CASES}")
    assert CASES["examples"] == 0 or CASES["pages"] > 0
