"""App analytics for a date range, from the daily `app_metrics` snapshots (per currency)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from crm_gateway.graphql.enums import CustomerStatus, MrrMovementKind
from crm_gateway.graphql.types.analytics_series import Cohorts, RetentionWindow
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
    new_customers_today: int = strawberry.field(
        description="Shops that first paid today (the UTC day of now), whatever the range.")
    new_customers_this_week: int = strawberry.field(
        description="Shops that first paid this week (since Monday 00:00 UTC of now's ISO week), whatever the range.")
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

    app_id: strawberry.Private[str] = ""
    summary_doc: strawberry.Private[dict[str, Any]] = dataclasses.field(default_factory=dict)

    @strawberry.field(description="The analytics worker's stored 30, 90 and 365-day retention (windows ending at its "
                                  "last run, not at the range), per currency.")
    def retention_windows(self) -> list[RetentionWindow]:
        from crm_gateway.graphql.resolvers.analytics_series import retention_windows

        return retention_windows(self.summary_doc)

    @strawberry.field(description="Install-month and first-paid-month cohorts as typed rows (for a heat map).")
    def cohort_rows(self) -> Cohorts:
        from crm_gateway.graphql.resolvers.analytics_series import cohort_rows

        return cohort_rows(self.summary_doc)

    @strawberry.field(description="Mean paying lifetime in days of the customers who paid at some moment of the "
                                  "range, each counted from customerSince to the earlier of its churn and the "
                                  "range end; null when nobody paid within the range.")
    async def average_lifetime_in_range_days(self, info: Info) -> float | None:
        from crm_gateway.graphql.resolvers.analytics_series import average_lifetime_in_range

        return await average_lifetime_in_range(info.context, self.app_id, self.range_from, self.range_to)
