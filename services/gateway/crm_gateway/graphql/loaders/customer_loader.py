"""Customer documents by `_id` (app|shop), e.g. for `node(id)` lists."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from strawberry.dataloader import DataLoader

from crm_shared.mongo import CUSTOMERS


def make_customer_loader(db: AsyncDatabase) -> DataLoader[str, dict[str, Any] | None]:
    """A loader answering every customer key of a request with one query."""

    async def load(keys: list[str]) -> list[dict[str, Any] | None]:
        docs = await db[CUSTOMERS].find({"_id": {"$in": list(keys)}}).to_list()
        by_id = {d["_id"]: d for d in docs}
        return [by_id.get(k) for k in keys]

    return DataLoader(load_fn=load)
