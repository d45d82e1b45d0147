"""`App.customerFacets` computed with MongoDB aggregations (one per dimension).

Interim implementation: the gateway's list index answers facets once it serves
the app; this path follows the same rules and stays correct on any MongoDB.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from crm_gateway.customer_listing import ListQuery, mongo_filter
from crm_gateway.graphql.types.customer_facets import CustomerFacets, FacetCount
from crm_shared.mongo import CUSTOMERS

if TYPE_CHECKING:
    from crm_gateway.context import GatewayContext

# dimension -> (filter key it ignores, stored field)
DIMENSIONS: dict[str, tuple[str | None, str]] = {
    "status": ("status", "status"),
    "plan": ("plan", "plan"),
    "country": ("country", "country"),
    "currency": (None, "currency"),
    "segment": ("segment", "segments"),
}


async def _counts(ctx: GatewayContext, q: ListQuery, field: str) -> list[FacetCount]:
    match = await mongo_filter(ctx.db, q, ctx.now)
    pipeline: list[dict[str, Any]] = [{"$match": match}]
    if field == "segments":
        pipeline.append({"$unwind": "$segments"})
    pipeline.append({"$group": {"_id": f"${field}", "n": {"$sum": 1}}})
    rows = await (await ctx.db[CUSTOMERS].aggregate(pipeline)).to_list()
    counts = [FacetCount(value=None if r["_id"] is None else str(r["_id"]), count=int(r["n"])) for r in rows]
    counts.sort(key=lambda c: (-c.count, c.value is None, c.value or ""))
    return counts


async def customer_facets(ctx: GatewayContext, q: ListQuery) -> CustomerFacets:
    """Per-dimension counts under every other active filter (see `CustomerFacets`)."""

    async def dimension(own_key: str | None, field: str) -> list[FacetCount]:
        f = {k: v for k, v in q.filter.items() if k != own_key}
        return await _counts(ctx, replace(q, filter=f), field)

    async def total() -> int:
        return int(await ctx.db[CUSTOMERS].count_documents(await mongo_filter(ctx.db, q, ctx.now)))

    results = await asyncio.gather(total(), *(dimension(k, f) for k, f in DIMENSIONS.values()))
    n, status, plan, country, currency, segment = results
    return CustomerFacets(total=n, status=status, plan=plan, country=country, currency=currency, segment=segment)
