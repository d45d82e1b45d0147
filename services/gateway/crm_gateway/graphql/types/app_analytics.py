"""App analytics for a date range, from the daily `app_metrics` snapshots (per currency)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.scalars import JSON

from crm_gateway.graphql.enums import CustomerStatus, MrrMovementKind
from crm_gateway.graphql.types.money import Money


@strawberry.type(description="MRR moved by one kind of movement over the range, in one currency.")
class MrrMovement:
    kind: MrrMovementKind = strawberry.field(description="NEW, EXPANSION, CONTRACTION, CHURN or REACTIVATION.")
    amount: Money = strawberry.field(description="Sum over the range; CONTRACTION and CHURN are negative.")


@strawberry.type(description="A ratio in one currency (e.g. net revenue retention).")
class CurrencyRatio:
    currency_code: str = strawberry.field(description="ISO 4217 code.")
    value: float | None = strawberry.field(description="The ratio (1.0 = 100%); null when undefined (no base).")


@strawberry.type(description="Acquisition on one day (all currencies).")
class DailyAcquisition:
    date: date = strawberry.field(description="The UTC day.")
    installs: int = strawberry.field(description="Installs that day (first installs and reinstalls).")
    new_customers: int = strawberry.field(description="Shops that first paid that day.")


@strawberry.type(description="Customers per status now (test shops excluded).")
class StatusCount:
    status: CustomerStatus = strawberry.field(description="The status.")
    count: int = strawberry.field(description="How many customers have it.")


@strawberry.type(description="App analytics over [from, to]. Money is per currency, never summed across currencies; "
                             "counts are over all currencies. Snapshots are the analytics worker's daily app_metrics.")
class AppAnalytics:
    range_from: datetime = strawberry.field(name="from", description="Start of the range (default: to - 30 days).")
    range_to: datetime = strawberry.field(name="to", description="End of the range (default: now).")
    total_mrr: list[Money] = strawberry.field(description="MRR at the end of the range, per currency.")
    average_mrr: list[Money] = strawberry.field(
        description="ARPPU: total MRR / active (paying) customers at the end of the range, per currency.")
    active_customers: int = strawberry.field(description="Paying customers at the end of the range.")
    trial_customers: int = strawberry.field(description="Customers in trial at the end of the range.")
    new_customers: int = strawberry.field(description="Shops that first paid within the range.")
    new_customers_today: int = strawberry.field(description="Shops that first paid today (UTC).")
    new_customers_this_week: int = strawberry.field(description="Shops that first paid in the last 7 days.")
    churned_customers: int = strawberry.field(description="Paying shops lost within the range.")
    reactivated_customers: int = strawberry.field(description="Churned shops that paid again within the range.")
    installs: int = strawberry.field(description="Installs within the range.")
    uninstalls: int = strawberry.field(description="Uninstalls within the range.")
    movements: list[MrrMovement] = strawberry.field(description="MRR movements over the range, per currency.")
    expansion_revenue: list[Money] = strawberry.field(description="EXPANSION movements over the range, per currency.")
    growth_rate: float | None = strawberry.field(
        description="(active at end - active at start) / active at start; null without a start base.")
    logo_retention_rate: float | None = strawberry.field(
        description="(active at end - new - reactivated) / active at start: share of paying customers kept.")
    reactivation_rate: float | None = strawberry.field(
        description="reactivated / churned within the range; null when nobody churned.")
    net_revenue_retention: list[CurrencyRatio] = strawberry.field(
        description="(MRR at start + expansion + contraction + churn) / MRR at start, per currency.")
    gross_revenue_retention: list[CurrencyRatio] = strawberry.field(
        description="(MRR at start + contraction + churn) / MRR at start, per currency.")
    average_lifetime_days: float | None = strawberry.field(
        description="Average daysAsCustomer of customers who ever paid (from the app summary or computed).")
    acquisition: list[DailyAcquisition] = strawberry.field(description="Installs and new customers per day.")
    status_counts: list[StatusCount] = strawberry.field(description="Customers per status now.")
    cohorts: JSON | None = strawberry.field(
        description="Install-month and first-paid-month cohorts as the analytics worker stores them in "
                    "app_summaries.cohorts (null before the first analytics run).")
