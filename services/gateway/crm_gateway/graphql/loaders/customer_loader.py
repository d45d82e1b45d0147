"""Customer documents by `_id` (app|shop), e.g. for `node(id)` lists."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from crm_gateway.graphql.loaders.shielded import ShieldedDataLoader as DataLoader
from crm_shared.store import customers


def make_customer_loader(db: AsyncDatabase) -> DataLoader[str, dict[str, Any] | None]:
    """A loader answering every customer key of a request with one query."""

    async def load(keys: list[str]) -> list[dict[str, Any] | None]:
        by_id = await customers.by_keys(db, list(keys))
        return [dict(by_id[k]) if k in by_id else None for k in keys]

    return DataLoader(load_fn=load)
