"""Member counts of segments, keyed by (app id, segment key): from the app's list index when it is ready,
else from MongoDB (built-in segments of all requested apps by one aggregation over the stored `segments`
arrays, saved segments from their filter)."""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

from crm_gateway.customer_listing import ListQuery, count_list
from crm_gateway.graphql.loaders.shielded import ShieldedDataLoader as DataLoader
from crm_gateway.list_index.manager import ListIndex
from crm_gateway.sorting import make_sort
from crm_shared.customer_filter import BUILT_IN_SEGMENTS
from crm_shared.store import customers


def make_segment_count_loader(
    db: AsyncDatabase, now: datetime, index: ListIndex | None = None,
) -> DataLoader[tuple[str, str], int]:
    """A loader of segment counts (test shops excluded, as in the list)."""

    async def load(keys: list[tuple[str, str]]) -> list[int]:
        counts: dict[tuple[str, str], int] = {}
        indexed = {a for a, _ in keys if index is not None and index.snapshot(a) is not None}
        built_in = [k for k in keys if k[1] in BUILT_IN_SEGMENTS and k[0] not in indexed]
        if built_in:
            apps = sorted({a for a, _ in built_in})
            counts.update(await customers.built_in_segment_counts(db, apps, list(BUILT_IN_SEGMENTS)))
        for app_id, key in keys:
            if key not in BUILT_IN_SEGMENTS or app_id in indexed:
                q = ListQuery(app_id=app_id, filter={"segment": key}, search=None, sort=make_sort(None, None))
                counts[(app_id, key)] = await count_list(db, q, now, index)
        return [counts.get(k, 0) for k in keys]

    return DataLoader(load_fn=load)
