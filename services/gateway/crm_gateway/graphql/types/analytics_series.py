"""Typed analytics shapes for charts: MRR per currency with typed movements, acquisition buckets,
stored retention windows and cohort rows."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from crm_gateway.graphql.types.money import Money


@strawberry.type(description="MRR movements of one bucket (or range) in one currency; CONTRACTION and CHURN are "
                             "negative, net is their sum.")
class MrrMovements:
    new: Money = strawberry.field(description="MRR from customers' first paid month.")
    expansion: Money = strawberry.field(description="MRR added by upgrades.")
    contraction: Money = strawberry.field(description="MRR lost by downgrades (negative).")
    churn: Money = strawberry.field(description="MRR lost by cancels and uninstalls (negative).")
    reactivation: Money = strawberry.field(description="MRR from churned customers who came back.")
    net: Money = strawberry.field(description="Sum of the five: the bucket's change of total MRR.")


@strawberry.type(description="One bucket of an app's MRR series in one currency.")
class RevenuePoint:
    start: date = strawberry.field(description="First UTC day of the bucket (a Monday for weeks, the 1st for months; "
                                               "clipped to the range).")
    end: date = strawberry.field(description="Last UTC day of the bucket that has a snapshot.")
    mrr: Money = strawberry.field(description="Total MRR at the end of the bucket.")
    paying_customers: int = strawberry.field(description="Paying customers at the end of the bucket.")
    movements: MrrMovements = strawberry.field(description="MRR movements within the bucket.")


@strawberry.type(description="An app's MRR series in one currency (never summed across currencies).")
class CurrencySeries:
    currency_code: str = strawberry.field(description="ISO 4217 code.")
    points: list[RevenuePoint] = strawberry.field(description="Buckets oldest first.")


@strawberry.type(description="Acquisition in one bucket (all currencies).")
class AcquisitionPoint:
    start: date = strawberry.field(description="First UTC day of the bucket (clipped to the range).")
    end: date = strawberry.field(description="Last UTC day of the bucket within the range.")
    installs: int = strawberry.field(description="Installs (first installs and reinstalls).")
    new_customers: int = strawberry.field(description="Shops that first paid in the bucket.")
    uninstalls: int = strawberry.field(description="Uninstalls.")
    churned_customers: int = strawberry.field(description="Paying shops lost.")
    reactivated_customers: int = strawberry.field(description="Churned shops that paid again.")


@strawberry.type(description="Retention over a trailing window ending now, in one currency, as the analytics "
                             "worker stored it. The start cohort is the customers paying in that currency at the "
                             "window start.")
class RetentionWindow:
    days: int = strawberry.field(description="Window length: 30, 90 or 365.")
    currency_code: str = strawberry.field(description="ISO 4217 code.")
    start: datetime | None = strawberry.field(description="Window start.")
    end: datetime | None = strawberry.field(description="Window end (the analytics worker's last run).")
    start_customers: int = strawberry.field(description="Paying customers at the window start.")
    retained_customers: int = strawberry.field(description="Of those, still paying at the window end.")
    logo_retention: float | None = strawberry.field(description="retainedCustomers / startCustomers (1.0 = 100%).")
    net_revenue_retention: float | None = strawberry.field(
        description="The start cohort's MRR at the end / at the start (expansion counts).")
    gross_revenue_retention: float | None = strawberry.field(
        description="Sum of min(MRR at end, at start) / MRR at start (only losses count).")
    reactivation_rate: float | None = strawberry.field(
        description="Reactivated in the window / churned pool at the window start.")
    expansion_revenue: Money = strawberry.field(description="EXPANSION movements within the window.")


@strawberry.type(description="Customers first installed in one month, followed month by month.")
class InstallCohortRow:
    cohort: str = strawberry.field(description="Install month, YYYY-MM.")
    size: int = strawberry.field(description="Shops first installed that month (non-test).")
    ever_paid: int = strawberry.field(description="Of those, shops that ever paid.")
    installed: list[int] = strawberry.field(description="Still installed at the end of month k (k = 0 is the cohort "
                                                        "month; the last value is as of now).")
    paying: list[int] = strawberry.field(description="Paying at the end of month k.")


@strawberry.type(description="Customers who first paid in one month in one currency, followed month by month.")
class PaidCohortRow:
    cohort: str = strawberry.field(description="First paid month, YYYY-MM.")
    currency_code: str = strawberry.field(description="ISO 4217 code.")
    size: int = strawberry.field(description="Shops that first paid that month.")
    paying: list[int] = strawberry.field(description="Still paying at the end of month k.")
    mrr: list[Money] = strawberry.field(description="Their MRR at the end of month k.")


@strawberry.type(description="Install-month and first-paid-month cohorts (empty before the first analytics run).")
class Cohorts:
    install_month: list[InstallCohortRow] = strawberry.field(description="By install month, oldest first.")
    first_paid_month: list[PaidCohortRow] = strawberry.field(description="By first paid month and currency.")
