"""Every GraphQL enum of the API."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Lifecycle status of a customer, first match wins: UNINSTALLED, FROZEN, TRIAL, ACTIVE, "
                             "CANCELLED, FREE.")
class CustomerStatus(Enum):
    ACTIVE = strawberry.enum_value("ACTIVE", description="The live charge is active and past its trial.")
    TRIAL = strawberry.enum_value("TRIAL", description="The live charge is active and its trial has not ended.")
    FROZEN = strawberry.enum_value("FROZEN", description="The live charge is frozen, or the store is closed.")
    CANCELLED = strawberry.enum_value(
        "CANCELLED", description="No live charge, but a non-test subscription was activated at some point.")
    UNINSTALLED = strawberry.enum_value("UNINSTALLED", description="The app is not installed now.")
    FREE = strawberry.enum_value("FREE", description="Never had a non-test subscription activated.")


@strawberry.enum(description="Columns a customer list can be sorted by; ties are always broken by the customer id.")
class CustomerSortField(Enum):
    SHOP_NAME = strawberry.enum_value("SHOP_NAME", description="Shop name, case-insensitive.")
    DOMAIN = strawberry.enum_value("DOMAIN", description="myshopify domain.")
    EMAIL = strawberry.enum_value("EMAIL",
                                  description="Email the app reported, case-insensitive (nulls first ascending).")
    STATUS = strawberry.enum_value("STATUS", description="Customer status name.")
    PLAN = strawberry.enum_value("PLAN", description="Plan name.")
    MRR = strawberry.enum_value("MRR", description="MRR as a number in the customer's own currency.")
    COUNTRY = strawberry.enum_value("COUNTRY", description="Country code (nulls first ascending).")
    INSTALLED_AT = strawberry.enum_value("INSTALLED_AT", description="First install time (the default, descending).")
    LAST_ACTIVE_AT = strawberry.enum_value("LAST_ACTIVE_AT", description="Latest activity (nulls first ascending).")
    LIFETIME_VALUE = strawberry.enum_value("LIFETIME_VALUE", description="Lifetime gross value in the shop's currency.")
    LAST_PAID_MRR = strawberry.enum_value(
        "LAST_PAID_MRR", description="Pre-churn MRR (lastPaidMrr) as a number in the customer's own currency; "
                                     "shops that never paid first ascending.")


@strawberry.enum(description="Sort direction. Nulls sort first ascending and last descending.")
class SortDirection(Enum):
    ASC = strawberry.enum_value("ASC", description="Smallest first.")
    DESC = strawberry.enum_value("DESC", description="Largest first.")


@strawberry.enum(description="Billing interval of a subscription, as in the Partner API.")
class BillingInterval(Enum):
    EVERY_30_DAYS = strawberry.enum_value("EVERY_30_DAYS", description="Billed every 30 days; MRR = amount.")
    ANNUAL = strawberry.enum_value("ANNUAL", description="Billed yearly; MRR = amount / 12.")


@strawberry.enum(description="What a timeline entry records.")
class TimelineEntryType(Enum):
    INSTALLED = strawberry.enum_value("INSTALLED", description="First install.")
    REINSTALLED = strawberry.enum_value("REINSTALLED", description="A later install.")
    UNINSTALLED = strawberry.enum_value("UNINSTALLED", description="Uninstall (detail holds reason and description).")
    STORE_CLOSED = strawberry.enum_value("STORE_CLOSED", description="The store closed (RELATIONSHIP_DEACTIVATED).")
    STORE_REOPENED = strawberry.enum_value("STORE_REOPENED",
                                           description="The store reopened (RELATIONSHIP_REACTIVATED).")
    TRIAL_STARTED = strawberry.enum_value("TRIAL_STARTED", description="A trial charge was activated.")
    TRIAL_CONVERTED = strawberry.enum_value("TRIAL_CONVERTED", description="A trial ended with its charge still live.")
    SUBSCRIBED = strawberry.enum_value("SUBSCRIBED", description="First paid activation without a trial.")
    UPGRADED = strawberry.enum_value("UPGRADED", description="Plan change to a higher monthly amount.")
    DOWNGRADED = strawberry.enum_value("DOWNGRADED", description="Plan change to a lower monthly amount.")
    PLAN_CHANGED = strawberry.enum_value(
        "PLAN_CHANGED", description="Plan change with an equal amount or another currency.")
    FROZEN = strawberry.enum_value("FROZEN", description="The live charge was frozen.")
    UNFROZEN = strawberry.enum_value("UNFROZEN", description="The live charge was unfrozen.")
    CANCELLED = strawberry.enum_value("CANCELLED", description="A cancel that ended a live charge (not a plan change).")
    CHARGE_DECLINED = strawberry.enum_value("CHARGE_DECLINED", description="A charge was declined.")
    CHARGE_EXPIRED = strawberry.enum_value("CHARGE_EXPIRED", description="A charge expired.")
    REACTIVATED = strawberry.enum_value("REACTIVATED", description="A churned paying shop got a live charge again.")
    ONE_TIME_CHARGE = strawberry.enum_value("ONE_TIME_CHARGE", description="A one-time charge was activated.")
    USAGE_CHARGE = strawberry.enum_value("USAGE_CHARGE", description="A usage charge was applied.")
    CREDIT = strawberry.enum_value("CREDIT", description="An app credit was applied.")


@strawberry.enum(description="Kind of a Partner API app transaction (its __typename).")
class TransactionKind(Enum):
    APP_SUBSCRIPTION_SALE = strawberry.enum_value("APP_SUBSCRIPTION_SALE", description="AppSubscriptionSale.")
    APP_USAGE_SALE = strawberry.enum_value("APP_USAGE_SALE", description="AppUsageSale.")
    APP_ONE_TIME_SALE = strawberry.enum_value("APP_ONE_TIME_SALE", description="AppOneTimeSale.")
    APP_SALE_ADJUSTMENT = strawberry.enum_value("APP_SALE_ADJUSTMENT", description="AppSaleAdjustment (refunds).")
    APP_SALE_CREDIT = strawberry.enum_value("APP_SALE_CREDIT", description="AppSaleCredit.")
    OTHER = strawberry.enum_value("OTHER", description="Any other transaction type.")


@strawberry.enum(description="Order of a transaction list.")
class TransactionSortField(Enum):
    DATE = strawberry.enum_value("DATE", description="createdAt.")
    AMOUNT = strawberry.enum_value("AMOUNT", description="Gross amount as a number.")


@strawberry.enum(description="State of an app's synchronisation with the Partner API.")
class SyncState(Enum):
    IDLE = strawberry.enum_value("IDLE", description="Nothing running or queued.")
    QUEUED = strawberry.enum_value("QUEUED", description="A sync was requested and waits for a worker.")
    RUNNING = strawberry.enum_value("RUNNING", description="A worker is pulling data.")
    FAILED = strawberry.enum_value("FAILED", description="The last sync failed (see lastError).")


@strawberry.enum(description="Bucket size of a time series.")
class Interval(Enum):
    DAY = strawberry.enum_value("DAY", description="One point per day.")
    WEEK = strawberry.enum_value("WEEK", description="One point per ISO week (Monday start), its last day's value.")
    MONTH = strawberry.enum_value("MONTH", description="One point per calendar month, its last day's value.")


@strawberry.enum(description="MRR movement kinds (ChartMogul's taxonomy).")
class MrrMovementKind(Enum):
    NEW = strawberry.enum_value("NEW", description="MRR from customers' first paid month.")
    EXPANSION = strawberry.enum_value("EXPANSION", description="MRR added by upgrades.")
    CONTRACTION = strawberry.enum_value("CONTRACTION", description="MRR lost by downgrades (negative).")
    CHURN = strawberry.enum_value("CHURN", description="MRR lost by cancels and uninstalls (negative).")
    REACTIVATION = strawberry.enum_value("REACTIVATION", description="MRR from churned customers who came back.")


TRANSACTION_TYPENAMES: dict[str, TransactionKind] = {
    "AppSubscriptionSale": TransactionKind.APP_SUBSCRIPTION_SALE,
    "AppUsageSale": TransactionKind.APP_USAGE_SALE,
    "AppOneTimeSale": TransactionKind.APP_ONE_TIME_SALE,
    "AppSaleAdjustment": TransactionKind.APP_SALE_ADJUSTMENT,
    "AppSaleCredit": TransactionKind.APP_SALE_CREDIT,
}
