"""Partner API transactions of a customer and their connection."""

from __future__ import annotations

from datetime import datetime

import strawberry

from crm_gateway.graphql.enums import BillingInterval, TransactionKind
from crm_gateway.graphql.types.money import Money
from crm_gateway.graphql.types.page_info import PageInfo


@strawberry.type(description="A Partner API app transaction (latest restatement).")
class Transaction:
    id: strawberry.ID = strawberry.field(description="Partner transaction gid.")
    kind: TransactionKind = strawberry.field(description="Kind, from the Partner API __typename.")
    created_at: datetime = strawberry.field(description="When Shopify recorded it.")
    charge_id: strawberry.ID | None = strawberry.field(description="The charge it bills (null before 2020-09).")
    gross_amount: Money = strawberry.field(description="What the merchant paid, excluding taxes (signed).")
    net_amount: Money = strawberry.field(description="The partner's payout (signed).")
    billing_interval: BillingInterval | None = strawberry.field(description="Subscription sales only.")
    restated: bool = strawberry.field(description="The Partner API restated this transaction at least once.")


@strawberry.type(description="An edge of a transaction connection.")
class TransactionEdge:
    node: Transaction = strawberry.field(description="The transaction.")
    cursor: str = strawberry.field(description="Opaque cursor.")


@strawberry.type(description="A page of transactions.")
class TransactionConnection:
    edges: list[TransactionEdge] = strawberry.field(description="Transactions of this page.")
    page_info: PageInfo = strawberry.field(description="Relay page info.")
    total_count: int = strawberry.field(description="Transactions matching the kind filter.")
