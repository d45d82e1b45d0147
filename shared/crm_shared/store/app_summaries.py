"""The `app_summaries` collection: one summary per app (derived, written by the analytics worker only).

The only code that reads or writes it.  The analytics worker stores a
recompute's summary (`store`) and reads the segment thresholds back when it
rebuilds customers (`load` with a projection); the gateway reads it (`load`).

Document (``_id`` = app id): see `SummaryDoc`; the meaning of each number is in the `crm_shared.analytics`
docstrings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypedDict, cast

from pymongo import IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.mongo import APP_SUMMARIES

COLLECTION = APP_SUMMARIES

INDEXES: list[IndexModel] = []  # read by `_id` only


class SummaryDoc(TypedDict, total=False):
    """An `app_summaries` document (money as Decimal128; rates are floats rounded to 4 places, or None)."""

    _id: str
    app_id: str
    computed_at: datetime  # = as_of, the clock the numbers are read at
    reports_activity: bool  # the app reports activity in shop_profiles
    customers: int  # non-test count
    test_customers: int
    counts_by_status: dict[str, int]  # non-test, all six statuses
    segment_counts: dict[str, int]  # built-in and saved
    built_in_segments: list[dict[str, str]]  # [{key, name, definition}]
    percentiles: dict[str, dict[str, Any]]  # {currency: {p20, p80, population}}
    top_plan: dict[str, dict[str, Any]]  # {currency: {plan, plans (every name at the top price), mrr}}
    by_currency: dict[str, dict[str, Any]]  # {currency: {total_mrr, paying_customers, trial_customers, arppu}}
    retention: dict[str, dict[str, dict[str, Any]]]  # {"30d"|"90d"|"365d": {currency: {start, end, ...}}}
    average_lifetime_days: float | None  # all currencies
    average_lifetime_days_by_currency: dict[str, float]
    cohorts: dict[str, list[dict[str, Any]]]  # {install_month: [...], first_paid_month: [...]}


async def create_indexes(db: AsyncDatabase[Any], models: Iterable[IndexModel] = INDEXES) -> None:
    """Create `models` on the collection (idempotent; the collection needs none of its own)."""
    models = list(models)
    if models:
        await db[COLLECTION].create_indexes(models)


async def load(db: AsyncDatabase[Any], app_id: str, projection: Mapping[str, Any] | None = None
               ) -> SummaryDoc | None:
    """The app's summary (only the `projection` fields when given), or None before its first recompute."""
    return cast(SummaryDoc | None, await db[COLLECTION].find_one({"_id": app_id}, projection))


async def store(db: AsyncDatabase[Any], app_id: str, doc: Mapping[str, Any]) -> None:
    """Replace the app's summary with `doc` (in stored form, ``_id`` = app id)."""
    await db[COLLECTION].replace_one({"_id": app_id}, doc, upsert=True)


async def purge_app(db: AsyncDatabase[Any], app_id: str) -> None:
    """Delete the app's summary (the app is removed with its data)."""
    await db[COLLECTION].delete_many({"app_id": app_id})
