"""The `app_metrics` collection: one daily snapshot per app, currency and day (derived, written by the analytics
worker only).

The only code that reads or writes it.  The analytics worker replaces an
app's snapshots with a recompute's (`replace_app`: only what changed is
written, days no longer computed are deleted); the gateway reads a date
range (`between`) and the last snapshot before a day (`last_before`).

Document (``_id`` = ``f"{app_id}|{currency}|{YYYY-MM-DD}"``): see `MetricsDoc`.  One document per currency per
day from the app's first data to today; today's is "as of computed_at"; test shops are left out; ``total_mrr``
is the exact end-of-day sum, and the sum of a range's movements equals its change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypedDict, cast

from bson import Decimal128
from pymongo import ASCENDING, DeleteOne, IndexModel, ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.mongo import APP_METRICS

COLLECTION = APP_METRICS
WRITE_CHUNK = 1000

INDEXES = [IndexModel([("app_id", ASCENDING), ("currency", ASCENDING), ("date", ASCENDING)])]
#: The gateway's date ranges over every currency.
GATEWAY_INDEXES = [IndexModel([("app_id", ASCENDING), ("date", ASCENDING)], name="by_date")]


class Movements(TypedDict, total=False):
    """A day's MRR movements (churn and contraction negative)."""

    new: Decimal128
    expansion: Decimal128
    contraction: Decimal128
    churn: Decimal128
    reactivation: Decimal128


class MetricsDoc(TypedDict, total=False):
    """An `app_metrics` document."""

    _id: str
    app_id: str
    currency: str
    date: datetime  # 00:00 UTC of the day
    total_mrr: Decimal128
    active_customers: int
    trial_customers: int
    installs: int
    uninstalls: int
    new_customers: int  # first paid that day
    churned_customers: int
    reactivated_customers: int
    movements: Movements


async def create_indexes(db: AsyncDatabase[Any], models: Iterable[IndexModel] = INDEXES) -> None:
    """Create `models` (default: the collection's base indexes) on the collection (idempotent)."""
    await db[COLLECTION].create_indexes(list(models))


async def replace_app(db: AsyncDatabase[Any], app_id: str, wanted: Mapping[str, Mapping[str, Any]]
                      ) -> tuple[int, int]:
    """Make the app's snapshots `wanted` (by `_id`): changed and new ones replaced, the others deleted;
    (written, deleted)."""
    existing = {d["_id"]: d async for d in db[COLLECTION].find({"app_id": app_id})}
    writes: list[Any] = [ReplaceOne({"_id": k}, d, upsert=True) for k, d in wanted.items() if existing.get(k) != d]
    stale = [DeleteOne({"_id": k}) for k in existing if k not in wanted]
    ops = writes + stale
    for i in range(0, len(ops), WRITE_CHUNK):
        await db[COLLECTION].bulk_write(ops[i:i + WRITE_CHUNK], ordered=False)
    return len(writes), len(stale)


async def between(db: AsyncDatabase[Any], app_id: str, start: datetime, end: datetime,
                  projection: Mapping[str, Any] | None = None) -> list[MetricsDoc]:
    """The app's snapshots dated from `start` to `end` (both included), by date then currency."""
    cursor = db[COLLECTION].find({"app_id": app_id, "date": {"$gte": start, "$lte": end}}, projection)
    return cast(list[MetricsDoc], await cursor.sort([("date", 1), ("currency", 1)]).to_list())


async def last_before(db: AsyncDatabase[Any], app_id: str, currency: str, day: datetime) -> MetricsDoc | None:
    """The app's last snapshot in `currency` dated before `day`, or None."""
    doc = await db[COLLECTION].find_one({"app_id": app_id, "currency": currency, "date": {"$lt": day}},
                                        sort=[("date", -1)])
    return cast(MetricsDoc | None, doc)


async def purge_app(db: AsyncDatabase[Any], app_id: str) -> None:
    """Delete every snapshot of the app (the app is removed with its data)."""
    await db[COLLECTION].delete_many({"app_id": app_id})
