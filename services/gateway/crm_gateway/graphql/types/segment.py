"""Segments: the four pre-built ones and the ones users saved."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from crm_gateway.graphql.inputs import CustomerFilterInput, CustomerSortInput
from crm_gateway.graphql.types.customer_connection import CustomerConnection
from crm_gateway.graphql.types.segment_threshold import SegmentThreshold


@strawberry.type(description="A group of customers: pre-built (VIP, AT_RISK, GROWTH, NEW; definitions below, "
                             "percentiles over the MRR of the app's non-test ACTIVE customers in one currency, "
                             "linear interpolation) or saved (a name plus a filter).")
class Segment:
    app_id: strawberry.Private[str]
    key: str = strawberry.field(description="VIP, AT_RISK, GROWTH, NEW, or saved:<slug>.")
    name: str = strawberry.field(description="Display name.")
    definition: str = strawberry.field(description="What puts a customer in it, in words (saved: the filter).")
    built_in: bool = strawberry.field(description="Pre-built (true) or saved by a user (false).")
    created_at: datetime | None = strawberry.field(default=None, description="When a saved segment was saved.")
    saved_filter: strawberry.Private[dict[str, Any] | None] = None

    @strawberry.field(description="Pre-built segments: the percentile thresholds they use now, per currency "
                                  "(empty for AT_RISK, NEW and saved segments).")
    async def thresholds(self, info: Info) -> list[SegmentThreshold]:
        from crm_gateway.graphql.resolvers.segment_thresholds import app_summary, thresholds

        if not self.built_in:
            return []
        return thresholds(self.key, await app_summary(info.context, self.app_id))

    @strawberry.field(description="The definition in words with today's thresholds filled in (VIP: the MRR floor "
                                  "per currency; GROWTH: its MRR band and the highest-priced plan).")
    async def live_definition(self, info: Info) -> str:
        from crm_gateway.graphql.resolvers.segment_thresholds import app_summary, live_definition

        if not self.built_in:
            return self.definition
        return live_definition(self.key, self.definition, await app_summary(info.context, self.app_id))

    @strawberry.field(description="Members (test shops excluded), counted now.")
    async def count(self, info: Info) -> int:
        return int(await info.context.loaders.segment_counts.load((self.app_id, self.key)))

    @strawberry.field(description="Members, with the same arguments as App.customers.")
    async def customers(
        self,
        info: Info,
        filter: Annotated[CustomerFilterInput | None, strawberry.argument(
            description="Further filters (AND).")] = None,
        search: Annotated[str | None, strawberry.argument(
            description="Prefix of a word of the name, of the domain or of the email.")] = None,
        sort: Annotated[CustomerSortInput | None, strawberry.argument(
            description="Default INSTALLED_AT DESC.")] = None,
        first: Annotated[int | None, strawberry.argument(description="Forward page size (default 50, max 250).")]
        = None,
        after: Annotated[str | None, strawberry.argument(description="Cursor to page forward from.")] = None,
        last: Annotated[int | None, strawberry.argument(description="Backward page size (max 250).")] = None,
        before: Annotated[str | None, strawberry.argument(description="Cursor to page backward from.")] = None,
    ) -> CustomerConnection:
        from crm_gateway.graphql.resolvers.customers import list_query, resolve_customers

        q = list_query(self.app_id, filter, search, sort, segment=self.key)
        return await resolve_customers(info.context, q, first, after, last, before)
