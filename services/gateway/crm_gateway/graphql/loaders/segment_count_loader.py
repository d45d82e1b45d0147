"""Member counts of segments, keyed by (app id, segment key).

Built-in segments of all requested apps are counted by one aggregation over
the stored `segments` arrays; saved segments are counted from their filter.
"""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase
from strawberry.dataloader import DataLoader

from crm_shared.customer_filter import BUILT_IN_SEGMENTS
from crm_shared.mongo import CUSTOMERS


def make_segment_count_loader(db: AsyncDatabase, now: datetime) -> DataLoader[tuple[str, str], int]:
    """A loader of segment counts (test shops excluded, as in the list)."""

    async def load(keys: list[tuple[str, str]]) -> list[int]:
        from crm_gateway.customer_listing import ListQuery, mongo_filter
        from crm_gateway.sorting import make_sort

        counts: dict[tuple[str, str], int] = {}
        built_in = [k for k in keys if k[1] in BUILT_IN_SEGMENTS]
        if built_in:
            apps = sorted({a for a, _ in built_in})
            pipeline = [
                {"$match": {"app_id": {"$in": apps}, "is_test": False, "segments": {"$in": list(BUILT_IN_SEGMENTS)}}},
                {"$unwind": "$segments"},
                {"$match": {"segments": {"$in": list(BUILT_IN_SEGMENTS)}}},
                {"$group": {"_id": {"a": "$app_id", "s": "$segments"}, "n": {"$sum": 1}}},
            ]
            async for row in await db[CUSTOMERS].aggregate(pipeline):
                counts[(row["_id"]["a"], row["_id"]["s"])] = int(row["n"])
        for app_id, key in keys:
            if key not in BUILT_IN_SEGMENTS:
                q = ListQuery(app_id=app_id, filter={"segment": key}, search=None, sort=make_sort(None, None))
                counts[(app_id, key)] = await db[CUSTOMERS].count_documents(await mongo_filter(db, q, now))
        return [counts.get(k, 0) for k in keys]

    return DataLoader(load_fn=load)
