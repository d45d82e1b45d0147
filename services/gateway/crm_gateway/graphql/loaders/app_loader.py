"""Apps by id, restricted to the caller's organization (others load as None)."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from crm_gateway.graphql.loaders.shielded import ShieldedDataLoader as DataLoader
from crm_shared.store.registry import apps_by_id


def make_app_loader(db: AsyncDatabase, org_id: str) -> DataLoader[str, dict[str, Any] | None]:
    """A loader answering every app id of a request with one query."""

    async def load(ids: list[str]) -> list[dict[str, Any] | None]:
        by_id = await apps_by_id(db, list(ids), org_id)
        return [dict(by_id[i]) if i in by_id else None for i in ids]

    return DataLoader(load_fn=load)
