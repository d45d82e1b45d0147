"""Apps by id, restricted to the caller's organization (others load as None)."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from strawberry.dataloader import DataLoader

from crm_shared.mongo import APPS


def make_app_loader(db: AsyncDatabase, org_id: str) -> DataLoader[str, dict[str, Any] | None]:
    """A loader answering every app id of a request with one query."""

    async def load(ids: list[str]) -> list[dict[str, Any] | None]:
        docs = await db[APPS].find({"_id": {"$in": list(ids)}, "organization_id": org_id}).to_list()
        by_id = {d["_id"]: d for d in docs}
        return [by_id.get(i) for i in ids]

    return DataLoader(load_fn=load)
