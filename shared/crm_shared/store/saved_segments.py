"""The `saved_segments` collection: the filters an app's users saved as segments (state, written by the gateway).

The only code that reads or writes it.  The gateway lists, reads, saves and
deletes them (`of_app`, `keys_of`, `get`, `count`, `save`, `delete`); the
analytics worker evaluates every one when it recomputes an app (`of_app`).

Document (``_id`` = ``f"{app_id}|{key}"``): see `SavedSegmentDoc`.  The filter is a `CustomerFilterInput` as a
snake_case dict (status, plan, paid, country, mrr_min, mrr_max, installed_from, installed_to, last_active_from,
last_active_to, include_test, segment ...), money as Decimal128.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypedDict, cast

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.mongo import SAVED_SEGMENTS

COLLECTION = SAVED_SEGMENTS

INDEXES = [IndexModel([("app_id", ASCENDING), ("key", ASCENDING)], unique=True)]
#: The gateway lists an app's segments oldest first.
GATEWAY_INDEXES = [IndexModel([("app_id", ASCENDING), ("created_at", ASCENDING)])]

_ORDER = [("created_at", 1), ("_id", 1)]


class SavedSegmentDoc(TypedDict, total=False):
    """A `saved_segments` document."""

    _id: str
    app_id: str
    key: str  # "saved:<slug>"
    name: str
    filter: dict[str, Any]
    created_at: datetime


def segment_id(app_id: str, key: str) -> str:
    """The `_id` of an app's saved segment."""
    return f"{app_id}|{key}"


async def create_indexes(db: AsyncDatabase[Any], models: Iterable[IndexModel] = INDEXES) -> None:
    """Create `models` (default: the collection's base indexes) on the collection (idempotent)."""
    await db[COLLECTION].create_indexes(list(models))


async def of_app(db: AsyncDatabase[Any], app_id: str) -> list[SavedSegmentDoc]:
    """The app's saved segments, oldest first."""
    return [cast(SavedSegmentDoc, d) async for d in db[COLLECTION].find({"app_id": app_id}).sort(_ORDER)]


async def keys_of(db: AsyncDatabase[Any], app_id: str) -> list[str]:
    """The app's saved segment keys, oldest first."""
    return [d["key"] async for d in db[COLLECTION].find({"app_id": app_id}, {"key": 1}).sort(_ORDER)]


async def get(db: AsyncDatabase[Any], app_id: str, key: str) -> SavedSegmentDoc | None:
    """The app's saved segment `key`, or None."""
    return cast(SavedSegmentDoc | None, await db[COLLECTION].find_one({"_id": segment_id(app_id, key)}))


async def count(db: AsyncDatabase[Any], app_id: str) -> int:
    """How many saved segments the app has."""
    return int(await db[COLLECTION].count_documents({"app_id": app_id}))


async def save(db: AsyncDatabase[Any], app_id: str, key: str, name: str, filter_: Mapping[str, Any],
               now: datetime) -> SavedSegmentDoc:
    """Create or replace the app's saved segment `key` (``created_at`` kept on a replace); the stored document."""
    _id = segment_id(app_id, key)
    await db[COLLECTION].update_one(
        {"_id": _id},
        {"$set": {"app_id": app_id, "key": key, "name": name, "filter": dict(filter_)},
         "$setOnInsert": {"created_at": now}},
        upsert=True,
    )
    doc = await db[COLLECTION].find_one({"_id": _id})
    assert doc is not None
    return cast(SavedSegmentDoc, doc)


async def delete(db: AsyncDatabase[Any], app_id: str, key: str) -> bool:
    """Delete the app's saved segment `key`; False when there was none."""
    res = await db[COLLECTION].delete_one({"_id": segment_id(app_id, key)})
    return res.deleted_count == 1


async def purge_app(db: AsyncDatabase[Any], app_id: str) -> None:
    """Delete every saved segment of the app (the app is removed with its data)."""
    await db[COLLECTION].delete_many({"app_id": app_id})
