"""GraphQL input types and their conversion to the snake_case dicts `crm_shared` uses."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

from crm_gateway.graphql.enums import (
    CustomerSortField,
    CustomerStatus,
    SortDirection,
    TransactionSortField,
)


@strawberry.input(description="Filters of a customer list, freely combined (AND). Every range is inclusive.")
class CustomerFilterInput:
    status: list[CustomerStatus] | None = strawberry.field(default=None, description="Any of these statuses.")
    plan: list[str] | None = strawberry.field(default=None, description="Any of these plan names (exact).")
    paid: bool | None = strawberry.field(
        default=None, description="true: MRR > 0 (paying now); false: MRR = 0 (trial, free, churned, ...).")
    country: list[str] | None = strawberry.field(default=None, description="Any of these ISO country codes.")
    mrr_min: Decimal | None = strawberry.field(
        default=None, description="MRR at least this, compared as a number in each customer's own currency.")
    mrr_max: Decimal | None = strawberry.field(
        default=None, description="MRR at most this (own currency); must not be below mrrMin.")
    last_paid_mrr_min: Decimal | None = strawberry.field(
        default=None, description="Pre-churn MRR (lastPaidMrr) at least this, in each customer's own currency: "
                                  "e.g. status CANCELLED + lastPaidMrrMin 50 = churned customers who paid 50 or more.")
    last_paid_mrr_max: Decimal | None = strawberry.field(
        default=None, description="Pre-churn MRR at most this (own currency); must not be below lastPaidMrrMin.")
    installed_from: datetime | None = strawberry.field(default=None, description="First installed at or after.")
    installed_to: datetime | None = strawberry.field(
        default=None, description="First installed at or before; not before installedFrom.")
    last_active_from: datetime | None = strawberry.field(default=None, description="Last active at or after.")
    last_active_to: datetime | None = strawberry.field(
        default=None, description="Last active at or before; not before lastActiveFrom.")
    segment: str | None = strawberry.field(
        default=None, description="Segment key: VIP, AT_RISK, GROWTH, NEW or a saved segment's saved:<slug>.")
    include_test: bool | None = strawberry.field(
        default=False, description="Include test shops (a test charge and no real one); excluded by default.")


def filter_to_dict(f: CustomerFilterInput | None) -> dict[str, Any]:
    """The snake_case filter dict (`crm_shared.customer_filter` and `saved_segments.filter`), unset keys dropped."""
    if f is None:
        return {}
    out: dict[str, Any] = {}
    for key in ("plan", "paid", "country", "mrr_min", "mrr_max", "last_paid_mrr_min", "last_paid_mrr_max",
                "installed_from", "installed_to",
                "last_active_from", "last_active_to", "segment"):
        value = getattr(f, key)
        if value is not None:
            out[key] = value
    if f.status is not None:
        out["status"] = [s.value for s in f.status]
    if f.include_test:
        out["include_test"] = True
    return out


@strawberry.input(description="Sort of a customer list.")
class CustomerSortInput:
    field: CustomerSortField = strawberry.field(description="The column.")
    direction: SortDirection = strawberry.field(description="ASC or DESC.")


@strawberry.input(description="Sort of a transaction list (default DATE DESC).")
class TransactionSortInput:
    field: TransactionSortField = strawberry.field(description="DATE or AMOUNT.")
    direction: SortDirection = strawberry.field(description="ASC or DESC.")


@strawberry.input(description="Facts the partner's own app reports about one shop.")
class ShopProfileInput:
    shop_id: strawberry.ID = strawberry.field(description="Partner shop gid, gid://partners/Shop/<number>.")
    email: str | None = strawberry.field(default=None, description="The merchant's email (at most 320 characters).")
    country: str | None = strawberry.field(default=None, description="ISO 3166-1 alpha-2 country code.")
    shopify_plan: str | None = strawberry.field(default=None, description="The shop's Shopify plan name.")
    last_active_at: datetime | None = strawberry.field(
        default=None, description="When the merchant last used the app.")
