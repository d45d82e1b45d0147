"""Facet counts of a customer list (what each filter value would give)."""

from __future__ import annotations

import strawberry

from crm_gateway.list_index.query import Facets


@strawberry.type(description="How many customers one value of a dimension holds.")
class FacetCount:
    value: str | None = strawberry.field(description="The value (null: unknown, e.g. no country reported).")
    count: int = strawberry.field(description="Customers with this value.")


def _counts(pairs: list[tuple[str | None, int]]) -> list[FacetCount]:
    return [FacetCount(value=v, count=n) for v, n in pairs]


@strawberry.type(description="Counts per status, plan, country, currency and segment for a filtered, searched "
                             "list. Each dimension is counted with every other active filter applied but not its "
                             "own, so a plan dropdown shows what choosing each plan would give. Exact.")
class CustomerFacets:
    facets: strawberry.Private[Facets]

    @strawberry.field(description="Customers matching the whole filter and search (the list's totalCount).")
    def total(self) -> int:
        return self.facets.total

    @strawberry.field(description="Every status, in the enum's order (0 included).")
    def status(self) -> list[FacetCount]:
        return _counts(self.facets.status)

    @strawberry.field(description="Plans present, most customers first (selected plans kept at 0).")
    def plan(self) -> list[FacetCount]:
        return _counts(self.facets.plan)

    @strawberry.field(description="Countries present, most customers first; null for no country reported.")
    def country(self) -> list[FacetCount]:
        return _counts(self.facets.country)

    @strawberry.field(description="Currencies of the matching customers (no filter of its own), most first.")
    def currency(self) -> list[FacetCount]:
        return _counts(self.facets.currency)

    @strawberry.field(description="Built-in segments (VIP, AT_RISK, GROWTH, NEW), then saved ones, oldest first.")
    def segment(self) -> list[FacetCount]:
        return _counts(self.facets.segment)
