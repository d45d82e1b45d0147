"""Every list query shape is served by an index (the engine's explain output), and index creation is idempotent."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from crm_gateway.customer_listing import ListQuery, index_hint, mongo_filter
from crm_gateway.indexes import ensure_indexes
from crm_gateway.pagination.keyset import sort_spec
from crm_gateway.sorting import SORT_FIELDS, make_sort
from crm_shared.mongo import CUSTOMERS
from tests.gateway.conftest import APP_A1, Seeded

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)


def stages(plan: dict[str, Any]) -> list[dict[str, Any]]:
    out = [plan]
    for key in ("inputStage", "queryPlan"):
        if isinstance(plan.get(key), dict):
            out += stages(plan[key])
    for child in plan.get("inputStages", []) or []:
        out += stages(child)
    return out


async def winning_index(seeded: Seeded, q: ListQuery) -> str | None:
    query = await mongo_filter(seeded.db, q, NOW)
    cursor = seeded.db[CUSTOMERS].find(query).sort(sort_spec(q.sort.field, q.sort.ascending)).limit(51)
    explain = await cursor.hint(index_hint(q)).explain()
    for stage in stages(explain["queryPlanner"]["winningPlan"]):
        if stage.get("stage") == "IXSCAN":
            return stage.get("indexName")
    return None


@pytest.mark.parametrize("field", list(SORT_FIELDS))
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_every_sorted_list_uses_its_sort_index(seeded: Seeded, field: str, direction: str) -> None:
    q = ListQuery(APP_A1, {"status": ["ACTIVE"], "mrr_min": "1"}, None, make_sort(field, direction))
    assert await winning_index(seeded, q) == f"list_{SORT_FIELDS[field]}"


async def test_search_uses_the_multikey_search_index(seeded: Seeded) -> None:
    q = ListQuery(APP_A1, {"country": ["US"]}, "alp", make_sort("MRR", "DESC"))
    assert await winning_index(seeded, q) == "search_terms"


async def test_ensure_indexes_is_idempotent(seeded: Seeded) -> None:
    before = await seeded.db[CUSTOMERS].index_information()
    await ensure_indexes(seeded.db)
    assert await seeded.db[CUSTOMERS].index_information() == before
    assert {f"list_{c}" for c in SORT_FIELDS.values()} | {"search_terms"} <= set(before)
