"""The `customers` collection: one derived document per (app, shop), written by the analytics worker only.

The only code that reads or writes it.  Writers: `replace_many` (a rebuilt
batch) and `set_segments` (an app-level recompute).  Readers: by key
(`by_keys`, `by_domain`), what an app-level recompute reads
(`for_recompute`), the customers the clock will change (`due_shops`) and the
members of a saved segment (`ids_matching`).  The gateway builds its
filtered, sorted queries with `crm_shared.customer_filter` and runs them
here: a keyset page (`find_page`), counts (`count_matching`, `count_by`,
`built_in_segment_counts`), the export's scan (`scan`), the analytics
figures read from customers (`average_days_as_customer`, `paying_lives`),
and its list index's projected load, change stream and check (`load_app`,
`watch`, `newest_computed_at`).

The document's fields are listed in `CustomerDoc` (values as stored: money as
`Decimal128`, times as aware UTC datetimes); `crm_shared.customer.codec`
converts between this and the derivation's Python values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypedDict, cast

from bson import Decimal128
from pymongo import ASCENDING, DESCENDING, IndexModel, ReplaceOne, UpdateOne
from pymongo.asynchronous.change_stream import AsyncChangeStream
from pymongo.asynchronous.cursor import AsyncCursor
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.mongo import CUSTOMERS

COLLECTION = CUSTOMERS
WRITE_CHUNK = 1000

#: Every service relies on this: one customer per (app, shop).
INDEXES = [IndexModel([("app_id", ASCENDING), ("shop_id", ASCENDING)], unique=True)]
#: The analytics worker's refresh: customers whose next_change_at has passed.
REFRESH_INDEXES = [IndexModel([("app_id", ASCENDING), ("next_change_at", ASCENDING)])]
#: Paths the gateway's list filters on alone (`list_query_indexes`).
FILTER_PATHS = ("status", "segments", "plan", "paid", "country", "is_test")


class CustomerDoc(TypedDict, total=False):
    """A `customers` document (``_id`` = ``ids.customer_key(app_id, shop_id)``)."""

    _id: str
    app_id: str
    shop_id: str
    name: str
    domain: str
    avatar_url: str | None
    email: str | None
    country: str | None
    shopify_plan: str | None
    status: str  # ACTIVE | TRIAL | FROZEN | CANCELLED | UNINSTALLED | FREE
    plan: str
    paid: bool
    mrr: Decimal128
    last_paid_mrr: Decimal128 | None  # the MRR just before the customer stopped paying; while paying, the MRR
    currency: str
    billing_interval: str | None  # EVERY_30_DAYS | ANNUAL
    billing_interval_inferred: bool
    usage_run_rate: Decimal128
    installed_at: datetime | None
    uninstalled_at: datetime | None
    trial_ends_at: datetime | None
    customer_since: datetime | None
    days_as_customer: int | None
    last_active_at: datetime | None
    lifetime_value: Decimal128
    lifetime_net: Decimal128
    lifetime_by_currency: list[dict[str, Any]]  # [{currency, gross, net}]
    is_test: bool
    health: dict[str, Any]  # {score, grade, factors: [{name, impact, detail}]}
    segments: list[str]  # built-in keys (VIP, AT_RISK, GROWTH, NEW) and saved keys
    timeline: list[dict[str, Any]]  # [{type, occurred_at, plan, mrr_before, mrr_after, currency, charge_id, detail}]
    mrr_history: list[dict[str, Any]]  # [{at, mrr, currency, annotation}]
    charges: list[dict[str, Any]]  # one per subscription charge
    first_installed_at: datetime | None
    name_lc: str
    domain_lc: str
    email_lc: str | None
    search_terms: list[str]
    next_change_at: datetime | None
    computed_at: datetime


def list_query_indexes(sort_columns: Iterable[str]) -> list[IndexModel]:
    """Every index the gateway's list queries rely on, for its sortable `sort_columns`.

    Equality-sort-range: every list query is `app_id` equality, then the sort column, then `_id` as
    tie-break, so `{app_id, <sort column>, _id}` serves the sort and the keyset range for every sort column;
    filters are applied to the rows the index walk yields.  Search uses the multikey `{app_id, search_terms}`
    index with a prefix range.  Filter-only paths (`FILTER_PATHS`) get `{app_id, <path>, installed_at, _id}`
    so a selective filter under the default sort stays indexed too."""
    models = [
        IndexModel([("app_id", ASCENDING), (col, ASCENDING), ("_id", ASCENDING)], name=f"list_{col}")
        for col in sort_columns
    ]
    models += [
        IndexModel([("app_id", ASCENDING), (path, ASCENDING), ("installed_at", DESCENDING), ("_id", DESCENDING)],
                   name=f"filter_{path}")
        for path in FILTER_PATHS
    ]
    models.append(IndexModel([("app_id", ASCENDING), ("search_terms", ASCENDING)], name="search_terms"))
    models.append(IndexModel([("app_id", ASCENDING), ("domain_lc", ASCENDING)], name="by_domain"))
    return models


async def create_indexes(db: AsyncDatabase[Any], models: Iterable[IndexModel] = INDEXES) -> None:
    """Create `models` (default: the collection's base indexes) on the collection (idempotent)."""
    await db[COLLECTION].create_indexes(list(models))


async def by_keys(db: AsyncDatabase[Any], keys: list[str],
                  projection: Mapping[str, Any] | None = None) -> dict[str, CustomerDoc]:
    """Customers by `_id` (missing keys are left out)."""
    cursor = db[COLLECTION].find({"_id": {"$in": keys}}, projection)
    return {d["_id"]: cast(CustomerDoc, d) async for d in cursor}


async def by_domain(db: AsyncDatabase[Any], app_id: str, domain: str) -> CustomerDoc | None:
    """The app's customer with this myshopify domain (case-insensitive)."""
    doc = await db[COLLECTION].find_one({"app_id": app_id, "domain_lc": domain.strip().lower()})
    return cast(CustomerDoc | None, doc)


async def count(db: AsyncDatabase[Any], app_id: str) -> int:
    """How many customers the app has (test shops included)."""
    return int(await db[COLLECTION].count_documents({"app_id": app_id}))


async def segments_of(db: AsyncDatabase[Any], keys: list[str]) -> dict[str, list[str]]:
    """The stored segment keys of these customers."""
    return {k: d.get("segments") or [] for k, d in (await by_keys(db, keys, {"segments": 1})).items()}


async def for_recompute(db: AsyncDatabase[Any], app_id: str, fields: Iterable[str]) -> list[dict[str, Any]]:
    """`fields` of every customer of the app (what an app-level recompute reads)."""
    return [d async for d in db[COLLECTION].find({"app_id": app_id}, list(fields))]


async def due_shops(db: AsyncDatabase[Any], app_id: str, now: datetime) -> set[str]:
    """Shops whose document the clock alone has changed by `now` (``next_change_at`` passed)."""
    query = {"app_id": app_id, "next_change_at": {"$ne": None, "$lte": now}}
    return {d["shop_id"] async for d in db[COLLECTION].find(query, {"shop_id": 1})}


async def ids_matching(db: AsyncDatabase[Any], query: Mapping[str, Any]) -> set[str]:
    """`_id`s of the customers matching a `crm_shared.customer_filter` query."""
    return {d["_id"] async for d in db[COLLECTION].find(query, {"_id": 1})}


async def _chunked(db: AsyncDatabase[Any], ops: list[Any]) -> None:
    for i in range(0, len(ops), WRITE_CHUNK):
        await db[COLLECTION].bulk_write(ops[i:i + WRITE_CHUNK], ordered=False)


async def replace_many(db: AsyncDatabase[Any], docs: list[Mapping[str, Any]]) -> int:
    """Store rebuilt customers (documents in stored form, each replacing its previous version)."""
    await _chunked(db, [ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in docs])
    return len(docs)


async def set_segments(db: AsyncDatabase[Any], segments: Mapping[str, list[str]]) -> int:
    """Set the segment keys of customers (by `_id`)."""
    await _chunked(db, [UpdateOne({"_id": key}, {"$set": {"segments": keys}}) for key, keys in segments.items()])
    return len(segments)


async def purge_app(db: AsyncDatabase[Any], app_id: str) -> None:
    """Delete every customer of the app (the app is removed with its data)."""
    await db[COLLECTION].delete_many({"app_id": app_id})


# ---- the gateway's reads: queries built with `crm_shared.customer_filter` -------------------------------


async def find_page(db: AsyncDatabase[Any], query: Mapping[str, Any], projection: Mapping[str, Any] | None,
                    sort: list[tuple[str, int]], limit: int, hint: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """Up to `limit` customers matching `query` in `sort` order, through the index `hint`."""
    cursor = db[COLLECTION].find(query, projection).sort(sort).limit(limit)
    return await cursor.hint(hint).to_list()


async def count_matching(db: AsyncDatabase[Any], query: Mapping[str, Any]) -> int:
    """How many customers match `query`."""
    return int(await db[COLLECTION].count_documents(query))


async def count_by(db: AsyncDatabase[Any], query: Mapping[str, Any], field: str) -> dict[Any, int]:
    """How many customers matching `query` have each value of `field` (values no customer has are absent)."""
    pipeline: list[dict[str, Any]] = [{"$match": query}, {"$group": {"_id": f"${field}", "n": {"$sum": 1}}}]
    return {r["_id"]: int(r["n"]) for r in await (await db[COLLECTION].aggregate(pipeline)).to_list()}


async def built_in_segment_counts(db: AsyncDatabase[Any], app_ids: list[str], keys: list[str]
                                  ) -> dict[tuple[str, str], int]:
    """Non-test members of each segment of `keys` per app, from the stored `segments` arrays, in one
    aggregation: {(app id, segment key): n} (empty segments absent)."""
    pipeline: list[dict[str, Any]] = [
        {"$match": {"app_id": {"$in": app_ids}, "is_test": False, "segments": {"$in": keys}}},
        {"$unwind": "$segments"},
        {"$match": {"segments": {"$in": keys}}},
        {"$group": {"_id": {"a": "$app_id", "s": "$segments"}, "n": {"$sum": 1}}},
    ]
    counts: dict[tuple[str, str], int] = {}
    async for row in await db[COLLECTION].aggregate(pipeline):
        counts[(row["_id"]["a"], row["_id"]["s"])] = int(row["n"])
    return counts


async def average_days_as_customer(db: AsyncDatabase[Any], app_id: str) -> float | None:
    """The mean ``days_as_customer`` of the app's non-test customers that have one, or None."""
    pipeline: list[dict[str, Any]] = [
        {"$match": {"app_id": app_id, "is_test": False, "days_as_customer": {"$ne": None}}},
        {"$group": {"_id": None, "avg": {"$avg": "$days_as_customer"}}},
    ]
    rows = await (await db[COLLECTION].aggregate(pipeline)).to_list()
    return float(rows[0]["avg"]) if rows and rows[0].get("avg") is not None else None


def paying_lives(db: AsyncDatabase[Any], app_id: str, until: datetime) -> AsyncCursor[Any]:
    """The app's non-test customers who first paid by `until`: customer_since, days_as_customer, status, paid."""
    return db[COLLECTION].find(
        {"app_id": app_id, "is_test": False, "customer_since": {"$ne": None, "$lte": until}},
        {"customer_since": 1, "days_as_customer": 1, "status": 1, "paid": 1},
    )


def scan(db: AsyncDatabase[Any], query: Mapping[str, Any], sort: list[tuple[str, int]],
         hint: list[tuple[str, int]], batch_size: int) -> AsyncCursor[Any]:
    """Every customer matching `query` in `sort` order, without the timeline, MRR history and search terms
    (the export's rows; the caller closes the cursor)."""
    cursor = db[COLLECTION].find(query, {"timeline": 0, "mrr_history": 0, "search_terms": 0},
                                 batch_size=batch_size)
    return cursor.sort(sort).hint(hint)


async def load_app(db: AsyncDatabase[Any], app_id: str, projection: Mapping[str, Any],
                   batch_size: int) -> list[dict[str, Any]]:
    """Every customer of the app, projected, in one scan (the list index's load)."""
    return await db[COLLECTION].find({"app_id": app_id}, projection, batch_size=batch_size).to_list()


async def watch(db: AsyncDatabase[Any], resume_after: Any, max_await_time_ms: int) -> AsyncChangeStream[Any]:
    """A change stream of the collection with full documents looked up on update, from `resume_after` (a
    resume token, or None for now on)."""
    return await db[COLLECTION].watch(full_document="updateLookup", resume_after=resume_after,
                                      max_await_time_ms=max_await_time_ms)


async def newest_computed_at(db: AsyncDatabase[Any], app_id: str) -> datetime | None:
    """The latest ``computed_at`` among the app's customers, or None."""
    newest = await db[COLLECTION].find({"app_id": app_id, "computed_at": {"$ne": None}}, {"computed_at": 1}).sort(
        "computed_at", -1).limit(1).to_list()
    return cast(datetime, newest[0]["computed_at"]) if newest else None
