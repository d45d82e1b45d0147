"""The `partner_transactions` collection: the Partner API's app transactions (raw data, written by the sync
worker).

The only code that reads or writes it.  The sync worker upserts a page at a
time (`stored_nodes`, `upsert_ops`, `apply`) and recounts what it stored
(`count`); the analytics worker reads a batch of shops (`for_shops`,
`shop_ids`); the gateway pages a customer's transactions (`find_page`,
`count_matching`).

Transactions are upserted by id; when a re-read node differs from the stored one, the stored version is
appended to ``restatements`` (oldest first) and replaced.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypedDict, cast

from bson import Decimal128
from pymongo import ASCENDING, DESCENDING, IndexModel, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.mongo import PARTNER_TRANSACTIONS

COLLECTION = PARTNER_TRANSACTIONS

#: Every service relies on these: a shop's transactions in time order, an app's newest transactions.
INDEXES = [
    IndexModel([("app_id", ASCENDING), ("shop_id", ASCENDING), ("created_at", ASCENDING)]),
    IndexModel([("app_id", ASCENDING), ("created_at", DESCENDING)]),
]
#: The gateway's page of a customer's transactions sorted by amount.
GATEWAY_INDEXES = [
    IndexModel([("app_id", ASCENDING), ("shop_id", ASCENDING), ("gross_amount", ASCENDING), ("_id", ASCENDING)],
               name="shop_by_amount"),
]


class Restatement(TypedDict):
    """An earlier version of a transaction's node."""

    node: dict[str, Any]
    replaced_at: datetime


class TransactionDoc(TypedDict, total=False):
    """A `partner_transactions` document (``_id`` = the transaction gid)."""

    _id: str
    app_id: str
    shop_id: str | None  # None when the node's shop is null
    type: str  # the __typename, e.g. "AppSubscriptionSale"
    created_at: datetime
    charge_id: str | None  # None before 2020-09
    gross_amount: Decimal128 | None
    net_amount: Decimal128
    currency: str
    billing_interval: str | None  # sales only
    node: dict[str, Any]  # the latest version verbatim
    restatements: list[Restatement]  # every earlier version, oldest first
    first_seen_at: datetime


async def create_indexes(db: AsyncDatabase[Any], models: Iterable[IndexModel] = INDEXES) -> None:
    """Create `models` (default: the collection's base indexes) on the collection (idempotent)."""
    await db[COLLECTION].create_indexes(list(models))


def upsert_ops(
    docs: Iterable[Mapping[str, Any]], stored: Mapping[str, Any], now: datetime
) -> tuple[list[UpdateOne], int]:
    """The upserts for parsed transactions given the stored nodes (`stored_nodes`), the last version of each
    `_id`; (ops, how many are restated).  An unchanged transaction needs no write.  Pure."""
    ops: list[UpdateOne] = []
    restated = 0
    for doc in {d["_id"]: d for d in docs}.values():
        fields = {k: v for k, v in doc.items() if k != "_id"}
        if doc["_id"] not in stored:
            update: dict[str, Any] = {"$set": fields, "$setOnInsert": {"first_seen_at": now, "restatements": []}}
            ops.append(UpdateOne({"_id": doc["_id"]}, update, upsert=True))
        elif stored[doc["_id"]] != doc["node"]:
            restated += 1
            history = {"node": stored[doc["_id"]], "replaced_at": now}
            ops.append(UpdateOne({"_id": doc["_id"]}, {"$set": fields, "$push": {"restatements": history}}))
    return ops, restated


async def stored_nodes(db: AsyncDatabase[Any], ids: list[str]) -> dict[str, Any]:
    """The stored node of each of `ids` that is stored."""
    return {d["_id"]: d.get("node") async for d in db[COLLECTION].find({"_id": {"$in": ids}}, {"node": 1})}


async def apply(db: AsyncDatabase[Any], ops: list[UpdateOne]) -> int:
    """Write the upserts of one page (one unordered bulk write); how many documents were new."""
    res = await db[COLLECTION].bulk_write(ops, ordered=False)
    return int(res.upserted_count)


async def count(db: AsyncDatabase[Any], app_id: str) -> int:
    """How many transactions of the app are stored."""
    return int(await db[COLLECTION].count_documents({"app_id": app_id}))


async def for_shops(db: AsyncDatabase[Any], app_id: str, shop_ids: list[str]) -> list[TransactionDoc]:
    """The transactions of `shop_ids` of one app (without ``first_seen_at``)."""
    query = {"app_id": app_id, "shop_id": {"$in": shop_ids}}
    return [cast(TransactionDoc, d) async for d in db[COLLECTION].find(query, {"first_seen_at": 0})]


async def shop_ids(db: AsyncDatabase[Any], app_id: str) -> list[str]:
    """The distinct shop ids of the app's transactions (None left out)."""
    return [s for s in await db[COLLECTION].distinct("shop_id", {"app_id": app_id}) if s]


async def find_page(db: AsyncDatabase[Any], query: Mapping[str, Any], sort: list[tuple[str, int]],
                    limit: int) -> list[TransactionDoc]:
    """Up to `limit` transactions matching `query` in `sort` order, without their node."""
    rows = await db[COLLECTION].find(query, {"node": 0}).sort(sort).limit(limit).to_list()
    return cast(list[TransactionDoc], rows)


async def count_matching(db: AsyncDatabase[Any], query: Mapping[str, Any]) -> int:
    """How many transactions match `query`."""
    return int(await db[COLLECTION].count_documents(query))


async def purge_app(db: AsyncDatabase[Any], app_id: str) -> None:
    """Delete every transaction of the app (the app is removed with its data)."""
    await db[COLLECTION].delete_many({"app_id": app_id})
