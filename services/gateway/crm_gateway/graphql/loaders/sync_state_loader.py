"""`sync_state` documents by app id (one query for `apps { syncStatus }`)."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from crm_gateway.graphql.loaders.shielded import ShieldedDataLoader as DataLoader
from crm_shared.store import sync_state
from crm_shared.store.sync_state import SyncStateDoc


def make_sync_state_loader(db: AsyncDatabase[Any]) -> DataLoader[str, SyncStateDoc | None]:
    """A loader answering every app's sync state of a request with one query."""

    async def load(app_ids: list[str]) -> list[SyncStateDoc | None]:
        by_id = await sync_state.load_many(db, list(app_ids))
        return [by_id.get(i) for i in app_ids]

    return DataLoader(load_fn=load)
