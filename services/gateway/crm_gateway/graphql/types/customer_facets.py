"""Facet counts of a customer list: how many customers each filter option would give."""

from __future__ import annotations

import strawberry


@strawberry.type(description="One option of a facet and how many customers have it.")
class FacetCount:
    value: str | None = strawberry.field(description="The option (a status, plan, country, currency or segment key); "
                                                     "null = unknown (e.g. no country reported).")
    count: int = strawberry.field(description="Customers with this value.")


@strawberry.type(description="Counts per option of every list filter. Each dimension's counts apply every other "
                             "active filter and the search, but not the dimension's own filter, so a multi-select "
                             "shows what choosing one more option would add.")
class CustomerFacets:
    total: int = strawberry.field(description="Customers matching every filter and the search.")
    status: list[FacetCount] = strawberry.field(description="Per status.")
    plan: list[FacetCount] = strawberry.field(description="Per plan name.")
    country: list[FacetCount] = strawberry.field(description="Per country code (null: not reported).")
    currency: list[FacetCount] = strawberry.field(description="Per currency.")
    segment: list[FacetCount] = strawberry.field(description="Per segment key (a customer counts in each of its "
                                                             "segments).")
