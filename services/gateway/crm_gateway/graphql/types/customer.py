"""The `Customer` type: one shop of one app, as the analytics worker derived it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from crm_gateway.graphql.enums import (
    BillingInterval,
    CustomerStatus,
    TimelineEntryType,
    TransactionKind,
)
from crm_gateway.graphql.inputs import TransactionSortInput
from crm_gateway.graphql.types.health import Health, health_from_doc
from crm_gateway.graphql.types.metric_card import MetricCard, metric_cards
from crm_gateway.graphql.types.money import Money, money
from crm_gateway.graphql.types.mrr_point import MrrPoint
from crm_gateway.graphql.types.node import Node, customer_global_id
from crm_gateway.graphql.types.timeline_entry import TimelineConnection
from crm_gateway.graphql.types.transaction import TransactionConnection

MRR_RULES = (
    "MRR: the live charge's amount, divided by 12 when annual, as is when billed every 30 days; 0 in trial, frozen, "
    "cancelled, uninstalled, free or test. Kept exact, shown rounded half-up to 2 decimals, in the currency of the "
    "live or last subscription charge (USD when none). Usage charges are not MRR (see usageRunRate)."
)


@strawberry.type(description="A merchant (shop) that installed one of your apps, with everything derived about it.")
class Customer(Node):
    """Plain attributes filled once from the stored document (cheap to serve in 250-row pages)."""

    doc: strawberry.Private[dict[str, Any]]
    id: strawberry.ID = strawberry.field(description="Global id (use with node(id:)).")
    shop_id: strawberry.ID = strawberry.field(description="Partner shop gid, gid://partners/Shop/<number>.")
    name: str = strawberry.field(description="Shop name (\"REDACTED\" when Shopify redacted the shop).")
    domain: str = strawberry.field(description="myshopify domain.")
    avatar_url: str | None = strawberry.field(description="Shop avatar URL from the Partner API.")
    email: str | None = strawberry.field(description="Merchant email, as reported by your app (reportShopProfiles).")
    country: str | None = strawberry.field(description="ISO country code, as reported by your app.")
    shopify_plan: str | None = strawberry.field(description="The shop's Shopify plan, as reported by your app.")
    status: CustomerStatus = strawberry.field(description="Current status (see CustomerStatus for the rules).")
    plan: str = strawberry.field(description="Name of the live or last non-test subscription charge, \"Free\" if none.")
    mrr: Money = strawberry.field(description=MRR_RULES)
    last_paid_mrr: Money | None = strawberry.field(
        description="Pre-churn MRR: the MRR just before the customer stopped paying (the current MRR while paying); "
                    "null for a shop that never paid. Filter with lastPaidMrrMin/Max, sort with LAST_PAID_MRR.")
    usage_run_rate: Money = strawberry.field(description="30-day run-rate of usage charges (not part of MRR).")
    billing_interval: BillingInterval | None = strawberry.field(
        description="Billing interval of the live or last subscription.")
    billing_interval_inferred: bool = strawberry.field(
        description="The billing interval was inferred from billingOn (no sale recorded it).")
    installed_at: datetime | None = strawberry.field(description="First install.")
    uninstalled_at: datetime | None = strawberry.field(
        description="Last uninstall while the app is uninstalled now (null when installed).")
    trial_ends_at: datetime | None = strawberry.field(
        description="Scheduled trial end of the live or last charge when it had a trial.")
    customer_since: datetime | None = strawberry.field(description="When the shop first became paying (null if never).")
    days_as_customer: int | None = strawberry.field(
        description="Whole days from customerSince to now, or to the churn date if no longer paying.")
    last_active_at: datetime | None = strawberry.field(
        description="Latest activity your app reported, else the latest Partner API event/transaction.")
    lifetime_value: Money = strawberry.field(
        description="Sum of grossAmount over the shop's app sales (refunds and credits negative), latest "
                    "restatement of each transaction, in the shop's currency.")
    lifetime_net: Money = strawberry.field(description="Same as lifetimeValue over netAmount (your payout).")
    is_test: bool = strawberry.field(
        description="Has a test charge and no real one; left out of lists unless includeTest.")
    health: Health = strawberry.field(description="Health score, grade and factors.")
    segments: list[str] = strawberry.field(
        description="Keys of the segments the customer is in (VIP, AT_RISK, GROWTH, NEW, saved:*).")
    computed_at: datetime | None = strawberry.field(description="When the analytics worker last derived this customer.")

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Customer:
        """The customer of a `customers` document (timeline and history may be projected away)."""
        currency = doc.get("currency")
        interval = doc.get("billing_interval")
        days = doc.get("days_as_customer")
        return cls(
            doc=doc,
            id=strawberry.ID(customer_global_id(doc["_id"])),
            shop_id=strawberry.ID(doc["shop_id"]),
            name=str(doc.get("name") or ""),
            domain=str(doc.get("domain") or ""),
            avatar_url=doc.get("avatar_url"),
            email=doc.get("email"),
            country=doc.get("country"),
            shopify_plan=doc.get("shopify_plan"),
            status=CustomerStatus(doc["status"]),
            plan=str(doc.get("plan") or "Free"),
            mrr=money(doc.get("mrr"), currency),
            last_paid_mrr=money(doc["last_paid_mrr"], currency) if doc.get("last_paid_mrr") is not None else None,
            usage_run_rate=money(doc.get("usage_run_rate"), currency),
            billing_interval=BillingInterval(interval) if interval else None,
            billing_interval_inferred=bool(doc.get("billing_interval_inferred")),
            installed_at=doc.get("installed_at"),
            uninstalled_at=doc.get("uninstalled_at"),
            trial_ends_at=doc.get("trial_ends_at"),
            customer_since=doc.get("customer_since"),
            days_as_customer=int(days) if days is not None else None,
            last_active_at=doc.get("last_active_at"),
            lifetime_value=money(doc.get("lifetime_value"), currency),
            lifetime_net=money(doc.get("lifetime_net"), currency),
            is_test=bool(doc.get("is_test")),
            health=health_from_doc(doc.get("health")),
            segments=[str(x) for x in doc.get("segments") or []],
            computed_at=doc.get("computed_at"),
        )

    @strawberry.field(description="Lifetime gross per currency, for shops that paid in more than one.")
    async def lifetime_by_currency(self, info: Info) -> list[Money]:
        doc = await self.full_doc(info)
        return [money(x.get("gross"), x.get("currency")) for x in doc.get("lifetime_by_currency") or []]

    @strawberry.field(description="The key metric cards of a profile: MRR, lifetime value, tenure, health.")
    def cards(self) -> list[MetricCard]:
        return metric_cards(self.doc)

    async def full_doc(self, info: Info) -> dict[str, Any]:
        """The whole document (lists project timeline and history away; loaded in one batch when asked)."""
        if "timeline" in self.doc:
            return self.doc
        return await info.context.loaders.customers.load(self.doc["_id"]) or self.doc

    @strawberry.field(description="Timeline, oldest first (or newest first with newestFirst), paginated both ways.")
    async def timeline(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description="Page size (default 50, max 250).")] = None,
        after: Annotated[str | None, strawberry.argument(description="Cursor of the entry before the page.")] = None,
        types: Annotated[list[TimelineEntryType] | None,
                         strawberry.argument(description="Only entries of these types.")] = None,
        last: Annotated[int | None, strawberry.argument(
            description="Backward page size (max 250): the entries just before `before`.")] = None,
        before: Annotated[str | None, strawberry.argument(
            description="Cursor of the entry after the page (backward paging).")] = None,
        newest_first: Annotated[bool, strawberry.argument(
            description="Newest entry first (what a profile shows); cursors are bound to the order.")] = False,
    ) -> TimelineConnection:
        from crm_gateway.graphql.resolvers.timeline import timeline_page

        return timeline_page(await self.full_doc(info), first, after, types, last, before, newest_first)

    @strawberry.field(description="The shop's Partner API transactions for this app, paginated.")
    async def transactions(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description="Page size (default 50, max 250).")] = None,
        after: Annotated[str | None, strawberry.argument(description="Cursor of the row before the page.")] = None,
        sort: Annotated[TransactionSortInput | None,
                        strawberry.argument(description="DATE or AMOUNT, ASC or DESC (default DATE DESC).")] = None,
        status: Annotated[list[TransactionKind] | None,
                          strawberry.argument(description="Only transactions of these kinds.")] = None,
    ) -> TransactionConnection:
        from crm_gateway.graphql.resolvers.transactions import transactions_page

        return await transactions_page(info.context, self.doc, first, after, sort, status)

    @strawberry.field(description="The customer's MRR as a step series, each step annotated with its cause "
                                  "(the timeline entry type) and the plan from then on.")
    async def mrr_history(
        self,
        info: Info,
        close_at_now: Annotated[bool, strawberry.argument(
            description="End the series with a closing point at now carrying the current value (for charts); "
                        "its annotation is null.")] = False,
    ) -> list[MrrPoint]:
        from crm_gateway.graphql.resolvers.mrr_history import mrr_history_points

        return mrr_history_points(await self.full_doc(info), info.context.now, close_at_now)


@strawberry.type(description="An edge of a customer connection.")
class CustomerEdge:
    node: Customer = strawberry.field(description="The customer.")
    cursor: str = strawberry.field(description="Opaque keyset cursor, valid only with the same filter/search/sort.")
