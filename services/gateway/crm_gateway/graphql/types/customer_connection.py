"""A page of customers."""

from __future__ import annotations

import strawberry

from crm_gateway.customer_listing import Page
from crm_gateway.graphql.types.customer import Customer, CustomerEdge
from crm_gateway.graphql.types.page_info import PageInfo


@strawberry.type(description="A keyset-paginated page of customers.")
class CustomerConnection:
    page: strawberry.Private[Page]

    @strawberry.field(description="Customers of this page, in order.")
    def edges(self) -> list[CustomerEdge]:
        return [CustomerEdge(node=Customer.from_doc(row), cursor=c)
                for row, c in zip(self.page.rows, self.page.cursors, strict=True)]

    @strawberry.field(description="Relay page info.")
    def page_info(self) -> PageInfo:
        c = self.page.cursors
        return PageInfo(has_next_page=self.page.has_next, has_previous_page=self.page.has_previous,
                        start_cursor=c[0] if c else None, end_cursor=c[-1] if c else None)

    @strawberry.field(description="Customers matching the filter and search (all pages).")
    async def total_count(self) -> int:
        return await self.page.count()
