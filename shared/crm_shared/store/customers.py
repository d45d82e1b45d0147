"""The `customers` collection: one derived document per (app, shop), written by the analytics worker only.

Writers: `replace_many` (a rebuilt batch) and `set_segments` (an app-level
recompute).  Readers: by key (`by_keys`, `by_domain`), what an app-level
recompute reads (`for_recompute`), the customers the clock will change
(`due_shops`) and the members of a saved segment (`ids_matching`).  The
gateway's list path builds its filtered, sorted queries with
`crm_shared.customer_filter` and reads them itself.

The document's fields are listed in `CustomerDoc` (values as stored: money as
`Decimal128`, times as aware UTC datetimes); `crm_shared.customer.codec`
converts between this and the derivation's Python values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypedDict, cast

from bson import Decimal128
from pymongo import ReplaceOne, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.mongo import CUSTOMERS

COLLECTION = CUSTOMERS
WRITE_CHUNK = 1000


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
