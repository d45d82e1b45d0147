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
    doc: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="Global id (use with node(id:)).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(customer_global_id(self.doc["_id"]))

    @strawberry.field(description="Partner shop gid, gid://partners/Shop/<number>.")
    def shop_id(self) -> strawberry.ID:
        return strawberry.ID(self.doc["shop_id"])

    @strawberry.field(description="Shop name (\"REDACTED\" when Shopify redacted the shop).")
    def name(self) -> str:
        return str(self.doc.get("name") or "")

    @strawberry.field(description="myshopify domain.")
    def domain(self) -> str:
        return str(self.doc.get("domain") or "")

    @strawberry.field(description="Shop avatar URL from the Partner API.")
    def avatar_url(self) -> str | None:
        return self.doc.get("avatar_url")

    @strawberry.field(description="Merchant email, as reported by your app (reportShopProfiles).")
    def email(self) -> str | None:
        return self.doc.get("email")

    @strawberry.field(description="ISO country code, as reported by your app.")
    def country(self) -> str | None:
        return self.doc.get("country")

    @strawberry.field(description="The shop's Shopify plan, as reported by your app.")
    def shopify_plan(self) -> str | None:
        return self.doc.get("shopify_plan")

    @strawberry.field(description="Current status (see CustomerStatus for the rules).")
    def status(self) -> CustomerStatus:
        return CustomerStatus(self.doc["status"])

    @strawberry.field(description="Name of the live or last non-test subscription charge, \"Free\" if none.")
    def plan(self) -> str:
        return str(self.doc.get("plan") or "Free")

    @strawberry.field(description=MRR_RULES)
    def mrr(self) -> Money:
        return money(self.doc.get("mrr"), self.doc.get("currency"))

    @strawberry.field(description="30-day run-rate of usage charges (not part of MRR).")
    def usage_run_rate(self) -> Money:
        return money(self.doc.get("usage_run_rate"), self.doc.get("currency"))

    @strawberry.field(description="Billing interval of the live or last subscription.")
    def billing_interval(self) -> BillingInterval | None:
        value = self.doc.get("billing_interval")
        return BillingInterval(value) if value else None

    @strawberry.field(description="The billing interval was inferred from billingOn (no sale recorded it).")
    def billing_interval_inferred(self) -> bool:
        return bool(self.doc.get("billing_interval_inferred"))

    @strawberry.field(description="First install.")
    def installed_at(self) -> datetime | None:
        return self.doc.get("installed_at")

    @strawberry.field(description="Last uninstall while the app is uninstalled now (null when installed).")
    def uninstalled_at(self) -> datetime | None:
        return self.doc.get("uninstalled_at")

    @strawberry.field(description="Scheduled trial end of the live or last charge when it had a trial.")
    def trial_ends_at(self) -> datetime | None:
        return self.doc.get("trial_ends_at")

    @strawberry.field(description="When the shop first became paying (null if never).")
    def customer_since(self) -> datetime | None:
        return self.doc.get("customer_since")

    @strawberry.field(description="Whole days from customerSince to now, or to the churn date if no longer paying.")
    def days_as_customer(self) -> int | None:
        value = self.doc.get("days_as_customer")
        return int(value) if value is not None else None

    @strawberry.field(description="Latest activity your app reported, else the latest Partner API event/transaction.")
    def last_active_at(self) -> datetime | None:
        return self.doc.get("last_active_at")

    @strawberry.field(description="Sum of grossAmount over the shop's app sales (refunds and credits negative), "
                                  "latest restatement of each transaction, in the shop's currency.")
    def lifetime_value(self) -> Money:
        return money(self.doc.get("lifetime_value"), self.doc.get("currency"))

    @strawberry.field(description="Same as lifetimeValue over netAmount (your payout).")
    def lifetime_net(self) -> Money:
        return money(self.doc.get("lifetime_net"), self.doc.get("currency"))

    @strawberry.field(description="Lifetime gross per currency, for shops that paid in more than one.")
    def lifetime_by_currency(self) -> list[Money]:
        return [money(x.get("gross"), x.get("currency")) for x in self.doc.get("lifetime_by_currency") or []]

    @strawberry.field(description="Has a test charge and no real one; left out of lists unless includeTest.")
    def is_test(self) -> bool:
        return bool(self.doc.get("is_test"))

    @strawberry.field(description="Health score, grade and factors.")
    def health(self) -> Health:
        return health_from_doc(self.doc.get("health"))

    @strawberry.field(description="Keys of the segments the customer is in (VIP, AT_RISK, GROWTH, NEW, saved:*).")
    def segments(self) -> list[str]:
        return [str(s) for s in self.doc.get("segments") or []]

    @strawberry.field(description="The key metric cards of a profile: MRR, lifetime value, tenure, health.")
    def cards(self) -> list[MetricCard]:
        return metric_cards(self.doc)

    @strawberry.field(description="When the analytics worker last derived this customer.")
    def computed_at(self) -> datetime | None:
        return self.doc.get("computed_at")

    @strawberry.field(description="Timeline, oldest first, paginated.")
    def timeline(
        self,
        first: Annotated[int | None, strawberry.argument(description="Page size (default 50, max 250).")] = None,
        after: Annotated[str | None, strawberry.argument(description="Cursor of the entry before the page.")] = None,
        types: Annotated[list[TimelineEntryType] | None,
                         strawberry.argument(description="Only entries of these types.")] = None,
    ) -> TimelineConnection:
        from crm_gateway.graphql.resolvers.timeline import timeline_page

        return timeline_page(self.doc, first, after, types)

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

    @strawberry.field(description="The customer's MRR as a step series, each step annotated with its cause.")
    def mrr_history(self) -> list[MrrPoint]:
        return [
            MrrPoint(at=p["at"], mrr=money(p.get("mrr"), p.get("currency") or self.doc.get("currency")),
                     annotation=p.get("annotation"))
            for p in self.doc.get("mrr_history") or []
        ]


@strawberry.type(description="An edge of a customer connection.")
class CustomerEdge:
    node: Customer = strawberry.field(description="The customer.")
    cursor: str = strawberry.field(description="Opaque keyset cursor, valid only with the same filter/search/sort.")
