"""The customer list resolver shared by `App.customers` and `Segment.customers`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crm_gateway.customer_listing import ListQuery, fetch_page
from crm_gateway.graphql.inputs import CustomerFilterInput, CustomerSortInput, filter_to_dict
from crm_gateway.graphql.types.customer_connection import CustomerConnection
from crm_gateway.pagination.limits import page_request
from crm_gateway.sorting import make_sort
from crm_shared.errors import UserInputError

if TYPE_CHECKING:
    from crm_gateway.context import GatewayContext


# Lists leave the big arrays on the server; Customer.timeline / mrrHistory load them in one batch when asked.
LIST_PROJECTION = {"timeline": 0, "mrr_history": 0, "search_terms": 0, "lifetime_by_currency": 0}


def list_query(
    app_id: str, filter: CustomerFilterInput | None, search: str | None, sort: CustomerSortInput | None,
    segment: str | None = None,
) -> ListQuery:
    """The validated list query of GraphQL arguments (`segment` pins a segment, as Segment.customers does)."""
    f: dict[str, Any] = filter_to_dict(filter)
    if segment is not None:
        if f.get("segment") not in (None, segment):
            raise UserInputError("filter.segment conflicts with the segment being listed")
        f["segment"] = segment
    return ListQuery(
        app_id=app_id,
        filter=f,
        search=search,
        sort=make_sort(sort.field.value if sort else None, sort.direction.value if sort else None),
    )


async def resolve_customers(
    ctx: GatewayContext, q: ListQuery, first: int | None, after: str | None, last: int | None, before: str | None,
) -> CustomerConnection:
    """One page of the list `q` for the caller (the app was checked by the caller of this function)."""
    req = page_request(first, after, last, before)
    page = await fetch_page(ctx.db, q, req, ctx.now, LIST_PROJECTION, index=ctx.list_index)
    return CustomerConnection(page=page)
