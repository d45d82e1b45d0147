"""The `customer_events` collection (the events an alert is made of) and `alert_baselines` (where an app's
events start).  The only code that reads or writes them.

Events are written by the analytics worker (`crm_shared.alerts.emit`) *before* the customer documents they
describe, with an upsert on their stable id (``$setOnInsert``): a crash between the two writes leaves the
customer unwritten, the retry derives the same events with the same ids, and the store keeps one of each.
The gateway reads them (the live feed, replays).  Documents::

    customer_events   _id = stable event id (crm_shared.alerts.events)
                      organization_id (None for an app no organization owns), app_id, shop_id (None for
                      sync.failed), customer_id, type, occurred_at (the services' clock), created_at (wall
                      clock, first write), seq (delivery order: created ms | position in the batch | index),
                      segment (segment events), customer_segments (before and after, for endpoint segment
                      filters), data (the JSON payload's `data`, see docs/alerts.md)
    alert_baselines   _id = app id; since (the services' clock when the app's first customers were written),
                      segments_since (the first app-level recompute after that; None before)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypedDict, cast

from pymongo import ASCENDING, IndexModel, ReturnDocument, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from crm_shared.alerts.events import Baseline
from crm_shared.mongo import ALERT_BASELINES, CUSTOMER_EVENTS

COLLECTION = CUSTOMER_EVENTS
BASELINES = ALERT_BASELINES
WRITE_CHUNK = 1000

INDEXES = [IndexModel([("app_id", ASCENDING), ("created_at", ASCENDING)]),
           IndexModel([("organization_id", ASCENDING), ("created_at", ASCENDING)])]


class CustomerEventDoc(TypedDict, total=False):
    """A `customer_events` document."""

    _id: str
    organization_id: str | None
    app_id: str
    shop_id: str | None
    customer_id: str | None
    type: str
    occurred_at: datetime
    created_at: datetime
    seq: str
    segment: str | None
    customer_segments: list[str]
    data: dict[str, Any]


async def create_indexes(db: AsyncDatabase[Any], models: Iterable[IndexModel] = INDEXES) -> None:
    """Create `models` (default: the collection's base indexes) on `customer_events` (idempotent)."""
    await db[COLLECTION].create_indexes(list(models))


async def baseline(db: AsyncDatabase[Any], app_id: str, now: datetime) -> Baseline:
    """The app's baseline, set to `now` the first time it is asked for (when its first customers are written)."""
    try:
        doc = await db[BASELINES].find_one_and_update(
            {"_id": app_id}, {"$setOnInsert": {"since": now, "segments_since": None}}, upsert=True,
            return_document=ReturnDocument.AFTER)
    except DuplicateKeyError:  # two first calls raced: the other inserted it
        doc = await db[BASELINES].find_one({"_id": app_id})
    assert doc is not None  # an upsert returning the document after, or the racing insert
    return Baseline(since=doc["since"], segments_live=doc.get("segments_since") is not None)


async def mark_segments_live(db: AsyncDatabase[Any], app_id: str, now: datetime) -> None:
    """An app-level recompute ran after the baseline: from now on segment changes emit events."""
    await db[BASELINES].update_one({"_id": app_id, "segments_since": None}, {"$set": {"segments_since": now}})


async def record(db: AsyncDatabase[Any], events: Iterable[Mapping[str, Any]]) -> int:
    """Store events that are not stored yet (an event already stored keeps its first version), in the given
    order (an ordered bulk write: a reader sees a prefix of `events` while it runs)."""
    ops = [UpdateOne({"_id": e["_id"]}, {"$setOnInsert": dict(e)}, upsert=True) for e in events]
    for i in range(0, len(ops), WRITE_CHUNK):
        await db[COLLECTION].bulk_write(ops[i:i + WRITE_CHUNK], ordered=True)
    return len(ops)


async def by_ids(db: AsyncDatabase[Any], ids: list[str]) -> dict[str, CustomerEventDoc]:
    """Events by id (unknown ids are left out)."""
    return {d["_id"]: cast(CustomerEventDoc, d) async for d in db[COLLECTION].find({"_id": {"$in": ids}})}


async def of_organization(db: AsyncDatabase[Any], org_id: str, start: datetime | None, end: datetime | None,
                          limit: int) -> list[CustomerEventDoc]:
    """The organization's events created in [start, end), oldest first, at most `limit`."""
    query: dict[str, Any] = {"organization_id": org_id}
    span: dict[str, Any] = {}
    if start is not None:
        span["$gte"] = start
    if end is not None:
        span["$lt"] = end
    if span:
        query["created_at"] = span
    cursor = db[COLLECTION].find(query).sort([("created_at", ASCENDING), ("seq", ASCENDING)]).limit(limit)
    return [cast(CustomerEventDoc, d) async for d in cursor]


def _types(query: dict[str, Any], types: list[str] | None) -> dict[str, Any]:
    if types:
        query["type"] = {"$in": types}
    return query


async def feed_after(db: AsyncDatabase[Any], app_id: str, types: list[str] | None, after: tuple[datetime, str],
                     limit: int = 500) -> list[CustomerEventDoc]:
    """The app's events after `after` = (created_at, seq), in delivery order (the live feed pages with this)."""
    created, seq = after
    query = _types({"app_id": app_id, "$or": [{"created_at": {"$gt": created}},
                                              {"created_at": created, "seq": {"$gt": seq}}]}, types)
    cursor = db[COLLECTION].find(query).sort([("created_at", ASCENDING), ("seq", ASCENDING)]).limit(limit)
    return [cast(CustomerEventDoc, d) async for d in cursor]


async def ids_between(db: AsyncDatabase[Any], app_id: str, types: list[str] | None, start: datetime,
                      end: datetime, limit: int = 5000) -> list[str]:
    """Ids of the app's events created in [start, end] (the live feed looks back for late commits)."""
    query = _types({"app_id": app_id, "created_at": {"$gte": start, "$lte": end}}, types)
    return [d["_id"] async for d in db[COLLECTION].find(query, {"_id": 1}).limit(limit)]


async def purge_app(db: AsyncDatabase[Any], app_id: str) -> None:
    """Drop an app's events and baseline (the app was purged)."""
    await db[COLLECTION].delete_many({"app_id": app_id})
    await db[BASELINES].delete_one({"_id": app_id})
