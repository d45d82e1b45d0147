"""`sync_state` documents by app id (one query for `apps { syncStatus }`)."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from strawberry.dataloader import DataLoader

from crm_shared.mongo import SYNC_STATE


def make_sync_state_loader(db: AsyncDatabase) -> DataLoader[str, dict[str, Any] | None]:
    """A loader answering every app's sync state of a request with one query."""

    async def load(app_ids: list[str]) -> list[dict[str, Any] | None]:
        docs = await db[SYNC_STATE].find({"_id": {"$in": list(app_ids)}}).to_list()
        by_id = {d["_id"]: d for d in docs}
        return [by_id.get(i) for i in app_ids]

    return DataLoader(load_fn=load)
