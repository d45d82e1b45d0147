"""The `App` type: one Partner app of the caller's organization and everything about its customers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from crm_gateway.graphql.enums import Interval
from crm_gateway.graphql.inputs import CustomerFilterInput, CustomerSortInput
from crm_gateway.graphql.types.analytics_series import AcquisitionPoint, CurrencySeries
from crm_gateway.graphql.types.app_analytics import AppAnalytics
from crm_gateway.graphql.types.customer import Customer
from crm_gateway.graphql.types.customer_connection import CustomerConnection
from crm_gateway.graphql.types.export_link import ExportLink, ExportScope
from crm_gateway.graphql.types.facets import CustomerFacets
from crm_gateway.graphql.types.mrr_point import MrrPoint
from crm_gateway.graphql.types.node import SHOP_GID, Node
from crm_gateway.graphql.types.segment import Segment
from crm_gateway.graphql.types.sync_status import SyncStatus, sync_status_from_doc
from crm_shared.errors import UserInputError
from crm_shared.store import customers as customer_store

FilterArg = Annotated[CustomerFilterInput | None, strawberry.argument(
    description="Filters, freely combined (AND); test shops excluded unless includeTest.")]
SearchArg = Annotated[str | None, strawberry.argument(
    description="Case-insensitive search-as-you-type: every word must be a prefix of a word of the shop name, of "
                "the domain or of the email (served from an index).")]
SortArg = Annotated[CustomerSortInput | None, strawberry.argument(
    description="Sort column and direction (default INSTALLED_AT DESC); ties broken by customer id.")]


@strawberry.type(description="A Partner app of your organization.")
class App(Node):
    doc: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="The Partner app gid, e.g. gid://partners/App/101.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.doc["_id"])

    @strawberry.field(description="App name.")
    def name(self) -> str:
        return str(self.doc.get("name") or self.doc["_id"])

    @strawberry.field(description="Partner API sync state, progress and counters.")
    async def sync_status(self, info: Info) -> SyncStatus:
        return sync_status_from_doc(await info.context.loaders.sync_states.load(self.doc["_id"]))

    @strawberry.field(description="Customers of this app, keyset-paginated (default 50 per page, at most 250).")
    async def customers(
        self,
        info: Info,
        filter: FilterArg = None,
        search: SearchArg = None,
        sort: SortArg = None,
        first: Annotated[int | None, strawberry.argument(description="Forward page size (default 50, max 250).")]
        = None,
        after: Annotated[str | None, strawberry.argument(description="Cursor to page forward from.")] = None,
        last: Annotated[int | None, strawberry.argument(description="Backward page size (max 250).")] = None,
        before: Annotated[str | None, strawberry.argument(description="Cursor to page backward from.")] = None,
    ) -> CustomerConnection:
        from crm_gateway.graphql.resolvers.customers import list_query, resolve_customers

        q = list_query(self.doc["_id"], filter, search, sort)
        return await resolve_customers(info.context, q, first, after, last, before)

    @strawberry.field(description="Counts per status, plan, country, currency and segment for this filter and "
                                  "search; each dimension counted with every other active filter but not its own.")
    async def customer_facets(self, info: Info, filter: FilterArg = None, search: SearchArg = None) -> CustomerFacets:
        from crm_gateway.customer_listing import customer_facets
        from crm_gateway.graphql.resolvers.customers import list_query

        q = list_query(self.doc["_id"], filter, search, None)
        ctx = info.context
        return CustomerFacets(facets=await customer_facets(ctx.db, q, ctx.now, ctx.list_index))

    @strawberry.field(description="A signed, short-lived link to the CSV export of this list (or of every "
                                  "customer with scope FULL): a plain GET needs no Authorization header, works "
                                  "only for your organization's data and expires after a few minutes.")
    async def customers_export_link(self, info: Info, filter: FilterArg = None, search: SearchArg = None,
                                    sort: SortArg = None,
                                    scope: Annotated[ExportScope, strawberry.argument(
                                        description="FILTERED (this list) or FULL (every customer, test shops "
                                                    "included).")] = ExportScope.FILTERED) -> ExportLink:
        from crm_gateway.export_links import signed_export_link

        return await signed_export_link(info.context, self.doc["_id"], filter, search, sort,
                                        full=scope is ExportScope.FULL)

    @strawberry.field(description="URL of the CSV export (GET, same Authorization header) of this filtered list.")
    def customers_export_url(self, info: Info, filter: FilterArg = None, search: SearchArg = None,
                             sort: SortArg = None) -> str:
        from crm_gateway.export_params import export_url

        return export_url(str(info.context.request.base_url), self.doc["_id"], filter, search, sort)

    @strawberry.field(description="One customer by Partner shop gid or by myshopify domain (exactly one of them).")
    async def customer(
        self,
        info: Info,
        shop_id: Annotated[strawberry.ID | None, strawberry.argument(
            description="Partner shop gid, gid://partners/Shop/<number>.")] = None,
        domain: Annotated[str | None, strawberry.argument(description="myshopify domain.")] = None,
    ) -> Customer | None:
        if (shop_id is None) == (domain is None):
            raise UserInputError("pass exactly one of shopId or domain")
        if shop_id is not None:
            if not SHOP_GID.match(str(shop_id)):
                raise UserInputError(f"invalid shopId {shop_id!r}: expected gid://partners/Shop/<number>")
            doc = await info.context.loaders.customers.load(f"{self.doc['_id']}|{shop_id}")
        else:
            doc = await customer_store.by_domain(info.context.db, self.doc["_id"], str(domain))
        return Customer.from_doc(doc) if doc else None

    @strawberry.field(description="Pre-built segments (VIP, AT_RISK, GROWTH, NEW) with definitions and counts, "
                                  "then saved segments.")
    async def segments(self, info: Info) -> list[Segment]:
        from crm_gateway.graphql.resolvers.segments import list_segments

        return await list_segments(info.context, self.doc["_id"])

    @strawberry.field(description="One segment by key (VIP, AT_RISK, GROWTH, NEW or saved:<slug>); null if unknown.")
    async def segment(self, info: Info, key: Annotated[str, strawberry.argument(
            description="Segment key.")]) -> Segment | None:
        from crm_gateway.graphql.resolvers.segments import get_segment

        return await get_segment(info.context, self.doc["_id"], key)

    @strawberry.field(description="Analytics over a date range (default the last 30 days), money per currency.")
    async def analytics(
        self,
        info: Info,
        from_: Annotated[datetime | None, strawberry.argument(name="from", description="Range start.")] = None,
        to: Annotated[datetime | None, strawberry.argument(description="Range end (default now).")] = None,
    ) -> AppAnalytics:
        from crm_gateway.graphql.resolvers.analytics import app_analytics

        return await app_analytics(info.context, self.doc["_id"], from_, to)

    @strawberry.field(description="MRR per currency over time, one point per day / ISO week / month of the range: "
                                  "total MRR and paying customers at the bucket's end, and its movements as typed "
                                  "amounts (for charts).")
    async def revenue_series(
        self,
        info: Info,
        from_: Annotated[datetime | None, strawberry.argument(name="from", description="Range start.")] = None,
        to: Annotated[datetime | None, strawberry.argument(description="Range end (default now).")] = None,
        interval: Annotated[Interval, strawberry.argument(description="DAY, WEEK or MONTH.")] = Interval.DAY,
    ) -> list[CurrencySeries]:
        from crm_gateway.graphql.resolvers.analytics import resolve_range
        from crm_gateway.graphql.resolvers.analytics_series import revenue_series

        start, end = resolve_range(info.context.now, from_, to)
        return await revenue_series(info.context, self.doc["_id"], start, end, interval)

    @strawberry.field(description="Installs, new customers, uninstalls, churned and reactivated customers per day / "
                                  "ISO week / month of the range (every bucket, empty ones as zeros).")
    async def acquisition_series(
        self,
        info: Info,
        from_: Annotated[datetime | None, strawberry.argument(name="from", description="Range start.")] = None,
        to: Annotated[datetime | None, strawberry.argument(description="Range end (default now).")] = None,
        interval: Annotated[Interval, strawberry.argument(description="DAY, WEEK or MONTH.")] = Interval.DAY,
    ) -> list[AcquisitionPoint]:
        from crm_gateway.graphql.resolvers.analytics import resolve_range
        from crm_gateway.graphql.resolvers.analytics_series import acquisition_series

        start, end = resolve_range(info.context.now, from_, to)
        return await acquisition_series(info.context, self.doc["_id"], start, end, interval)

    @strawberry.field(description="Total MRR per currency over time from the daily snapshots; each point is the "
                                  "bucket's last day, annotated with the bucket's MRR movements.")
    async def mrr_series(
        self,
        info: Info,
        from_: Annotated[datetime | None, strawberry.argument(name="from", description="Range start.")] = None,
        to: Annotated[datetime | None, strawberry.argument(description="Range end (default now).")] = None,
        interval: Annotated[Interval, strawberry.argument(description="DAY, WEEK or MONTH.")] = Interval.DAY,
    ) -> list[MrrPoint]:
        from crm_gateway.graphql.resolvers.analytics import mrr_series

        return await mrr_series(info.context, self.doc["_id"], from_, to, interval)
