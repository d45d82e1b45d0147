"""The `webhook_deliveries` collection: the delivery outbox and its log, one document per (endpoint, event).
The only code that reads or writes it.

Written by the analytics worker with the events (`crm_shared.alerts.emit`, an upsert that never resets a
delivery already there), worked through by the delivery actor (`crm_shared.alerts.delivery`), reset by a
replay (the gateway's `replayWebhookEvents`, `crm webhooks replay`).  Document::

    _id = "<endpoint id>|<event id>", endpoint_id, organization_id, event_id, event_type, customer_id, seq
    (delivery order), state ("pending" | "delivered" | "failed": retries exhausted), attempts,
    created_at, first_attempt_at, next_attempt_at, delivered_at (wall clock), last_status_code,
    last_error, replays, log: the last LOG_LENGTH attempts [{attempt, at, status_code, duration_ms, error}]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict, cast

from pymongo import ASCENDING, DESCENDING, IndexModel, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.mongo import WEBHOOK_DELIVERIES

COLLECTION = WEBHOOK_DELIVERIES
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
STATES = (PENDING, DELIVERED, FAILED)
LOG_LENGTH = 20
WRITE_CHUNK = 1000

INDEXES = [
    IndexModel([("endpoint_id", ASCENDING), ("state", ASCENDING), ("next_attempt_at", ASCENDING)]),
    IndexModel([("endpoint_id", ASCENDING), ("seq", ASCENDING)]),
    IndexModel([("state", ASCENDING), ("next_attempt_at", ASCENDING)]),
    IndexModel([("endpoint_id", ASCENDING), ("created_at", DESCENDING)]),
]


class AttemptLog(TypedDict):
    attempt: int
    at: datetime
    status_code: int | None
    duration_ms: float
    error: str | None


class DeliveryDoc(TypedDict, total=False):
    """A `webhook_deliveries` document."""

    _id: str
    endpoint_id: str
    organization_id: str | None
    event_id: str
    event_type: str
    customer_id: str | None
    seq: str
    state: str
    attempts: int
    created_at: datetime
    first_attempt_at: datetime | None
    next_attempt_at: datetime
    delivered_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    replays: int
    log: list[AttemptLog]


@dataclass
class Outcome:
    """What became of one claimed delivery in a run (written by `record_outcomes`)."""

    delivery_id: str
    state: str  # the new state
    next_attempt_at: datetime | None = None
    attempt: AttemptLog | None = None  # None: not attempted (deferred behind an earlier event or a slow endpoint)
    first_attempt_at: datetime | None = None


async def create_indexes(db: AsyncDatabase[Any], models: Iterable[IndexModel] = INDEXES) -> None:
    """Create `models` (default: the collection's base indexes) on `webhook_deliveries` (idempotent)."""
    await db[COLLECTION].create_indexes(list(models))


def delivery_id(endpoint_id: str, event_id: str) -> str:
    return f"{endpoint_id}|{event_id}"


def new_delivery(endpoint_id: str, event: Mapping[str, Any], now: datetime) -> DeliveryDoc:
    """A pending delivery of `event` (a `customer_events` document) to an endpoint, due now."""
    return {"_id": delivery_id(endpoint_id, event["_id"]), "endpoint_id": endpoint_id,
            "organization_id": event.get("organization_id"), "event_id": event["_id"],
            "event_type": event["type"], "customer_id": event.get("customer_id"), "seq": event["seq"],
            "state": PENDING, "attempts": 0, "created_at": now, "first_attempt_at": None,
            "next_attempt_at": now, "delivered_at": None, "last_status_code": None, "last_error": None,
            "replays": 0, "log": []}


async def enqueue(db: AsyncDatabase[Any], deliveries: Iterable[DeliveryDoc]) -> int:
    """Store deliveries that are not stored yet (one already there, in whatever state, is left alone)."""
    ops = [UpdateOne({"_id": d["_id"]}, {"$setOnInsert": dict(d)}, upsert=True) for d in deliveries]
    for i in range(0, len(ops), WRITE_CHUNK):
        await db[COLLECTION].bulk_write(ops[i:i + WRITE_CHUNK], ordered=False)
    return len(ops)


async def due(db: AsyncDatabase[Any], endpoint_id: str, now: datetime, limit: int) -> list[DeliveryDoc]:
    """The endpoint's pending deliveries due by `now`, in delivery order."""
    cursor = db[COLLECTION].find({"endpoint_id": endpoint_id, "state": PENDING, "next_attempt_at": {"$lte": now}},
                                 {"log": 0}).sort("seq", ASCENDING).limit(limit)
    return [cast(DeliveryDoc, d) async for d in cursor]


async def waiting(db: AsyncDatabase[Any], endpoint_id: str, customer_ids: list[str],
                  now: datetime) -> dict[str, tuple[str, datetime]]:
    """{customer: (seq, next attempt)} of the earliest pending delivery of each of these customers that waits
    for a retry (its later events wait behind it, so one customer's events keep their order)."""
    out: dict[str, tuple[str, datetime]] = {}
    cursor = db[COLLECTION].find({"endpoint_id": endpoint_id, "state": PENDING, "next_attempt_at": {"$gt": now},
                                  "customer_id": {"$in": customer_ids}},
                                 {"customer_id": 1, "seq": 1, "next_attempt_at": 1})
    async for d in cursor:
        current = out.get(d["customer_id"])
        if current is None or d["seq"] < current[0]:
            out[d["customer_id"]] = (d["seq"], d["next_attempt_at"])
    return out


async def next_due_at(db: AsyncDatabase[Any], endpoint_id: str) -> datetime | None:
    """When the endpoint's next pending delivery is due (None: nothing pending)."""
    doc = await db[COLLECTION].find_one({"endpoint_id": endpoint_id, "state": PENDING},
                                        {"next_attempt_at": 1}, sort=[("next_attempt_at", ASCENDING)])
    return doc["next_attempt_at"] if doc else None


async def endpoints_due(db: AsyncDatabase[Any], now: datetime) -> list[str]:
    """Endpoints with a pending delivery due by `now` (the sweep sends each a delivery message)."""
    ids = await db[COLLECTION].distinct("endpoint_id", {"state": PENDING, "next_attempt_at": {"$lte": now}})
    return sorted(str(i) for i in ids)


async def record_outcomes(db: AsyncDatabase[Any], outcomes: list[Outcome], now: datetime) -> None:
    """Write a run's outcomes (one bulk write): state, next attempt, counters and the attempt log."""
    ops = []
    for o in outcomes:
        update: dict[str, Any] = {"$set": {"state": o.state}}
        if o.next_attempt_at is not None:
            update["$set"]["next_attempt_at"] = o.next_attempt_at
        if o.attempt is not None:
            update["$inc"] = {"attempts": 1}
            update["$set"]["last_status_code"] = o.attempt["status_code"]
            update["$set"]["last_error"] = o.attempt["error"]
            update["$push"] = {"log": {"$each": [dict(o.attempt)], "$slice": -LOG_LENGTH}}
            if o.first_attempt_at is not None:
                update["$set"]["first_attempt_at"] = o.first_attempt_at
        if o.state == DELIVERED:
            update["$set"]["delivered_at"] = now
        ops.append(UpdateOne({"_id": o.delivery_id}, update))
    for i in range(0, len(ops), WRITE_CHUNK):
        await db[COLLECTION].bulk_write(ops[i:i + WRITE_CHUNK], ordered=False)


async def replay(db: AsyncDatabase[Any], endpoint_id: str, events: Iterable[Mapping[str, Any]],
                 now: datetime) -> int:
    """Deliver these events (`customer_events` documents) to the endpoint again, from now: a delivery is
    created where none exists, and an existing one is made pending with a fresh retry window (its log
    stays).  Returns how many deliveries were (re)queued."""
    ops = []
    for event in events:
        fresh = new_delivery(endpoint_id, event, now)
        on_insert = {k: v for k, v in fresh.items()
                     if k not in ("state", "next_attempt_at", "first_attempt_at", "replays")}
        ops.append(UpdateOne({"_id": fresh["_id"]}, {
            "$setOnInsert": on_insert,
            "$set": {"state": PENDING, "next_attempt_at": now, "first_attempt_at": None},
            "$inc": {"replays": 1}}, upsert=True))
    for i in range(0, len(ops), WRITE_CHUNK):
        await db[COLLECTION].bulk_write(ops[i:i + WRITE_CHUNK], ordered=False)
    return len(ops)


async def of_endpoint(db: AsyncDatabase[Any], endpoint_id: str, limit: int,
                      state: str | None = None) -> list[DeliveryDoc]:
    """The endpoint's deliveries, newest first (the delivery log the API shows)."""
    query: dict[str, Any] = {"endpoint_id": endpoint_id}
    if state is not None:
        query["state"] = state
    cursor = db[COLLECTION].find(query).sort([("seq", DESCENDING)]).limit(limit)
    return [cast(DeliveryDoc, d) async for d in cursor]


async def counts(db: AsyncDatabase[Any], endpoint_id: str) -> dict[str, int]:
    """How many deliveries of the endpoint are in each state."""
    out = dict.fromkeys(STATES, 0)
    async for row in await db[COLLECTION].aggregate([{"$match": {"endpoint_id": endpoint_id}},
                                                     {"$group": {"_id": "$state", "n": {"$sum": 1}}}]):
        out[str(row["_id"])] = int(row["n"])
    return out


async def forget_endpoint(db: AsyncDatabase[Any], endpoint_id: str) -> None:
    await db[COLLECTION].delete_many({"endpoint_id": endpoint_id})
