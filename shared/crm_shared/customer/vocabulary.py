"""Names the customer derivation speaks: Partner API event types, their
same-second lifecycle order, charge states, statuses and timeline entry types."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Final

ZERO: Final = Decimal(0)
DEFAULT_CURRENCY: Final = "USD"
FREE_PLAN: Final = "Free"

# Partner API event types (AppEventTypes).
INSTALLED: Final = "RELATIONSHIP_INSTALLED"
UNINSTALLED: Final = "RELATIONSHIP_UNINSTALLED"
STORE_DEACTIVATED: Final = "RELATIONSHIP_DEACTIVATED"
STORE_REACTIVATED: Final = "RELATIONSHIP_REACTIVATED"
SUB_ACCEPTED: Final = "SUBSCRIPTION_CHARGE_ACCEPTED"
SUB_ACTIVATED: Final = "SUBSCRIPTION_CHARGE_ACTIVATED"
SUB_CANCELED: Final = "SUBSCRIPTION_CHARGE_CANCELED"
SUB_DECLINED: Final = "SUBSCRIPTION_CHARGE_DECLINED"
SUB_EXPIRED: Final = "SUBSCRIPTION_CHARGE_EXPIRED"
SUB_FROZEN: Final = "SUBSCRIPTION_CHARGE_FROZEN"
SUB_UNFROZEN: Final = "SUBSCRIPTION_CHARGE_UNFROZEN"
SUB_CAPPED_UPDATED: Final = "SUBSCRIPTION_CAPPED_AMOUNT_UPDATED"
SUB_APPROACHING_CAP: Final = "SUBSCRIPTION_APPROACHING_CAPPED_AMOUNT"
ONE_TIME_ACCEPTED: Final = "ONE_TIME_CHARGE_ACCEPTED"
ONE_TIME_ACTIVATED: Final = "ONE_TIME_CHARGE_ACTIVATED"
ONE_TIME_DECLINED: Final = "ONE_TIME_CHARGE_DECLINED"
ONE_TIME_EXPIRED: Final = "ONE_TIME_CHARGE_EXPIRED"
USAGE_APPLIED: Final = "USAGE_CHARGE_APPLIED"
CREDIT_APPLIED: Final = "CREDIT_APPLIED"
CREDIT_FAILED: Final = "CREDIT_FAILED"
CREDIT_PENDING: Final = "CREDIT_PENDING"

# docs/customer-rules.md, Order: events in the same second follow the lifecycle order, so a closing
# event wins a tie with an opening one.  Types the rule does not name sit next to
# their closest relative (one-time charges with subscriptions, usage/credit/cap
# notices between opening and closing events).
LIFECYCLE_RANK: Final[dict[str, int]] = {
    INSTALLED: 0,
    STORE_REACTIVATED: 1,
    SUB_ACCEPTED: 2,
    ONE_TIME_ACCEPTED: 2,
    SUB_ACTIVATED: 3,
    ONE_TIME_ACTIVATED: 3,
    SUB_UNFROZEN: 4,
    SUB_CAPPED_UPDATED: 5,
    SUB_APPROACHING_CAP: 5,
    USAGE_APPLIED: 5,
    CREDIT_PENDING: 5,
    CREDIT_APPLIED: 5,
    CREDIT_FAILED: 5,
    SUB_FROZEN: 6,
    STORE_DEACTIVATED: 7,
    SUB_CANCELED: 8,
    SUB_DECLINED: 9,
    ONE_TIME_DECLINED: 9,
    SUB_EXPIRED: 10,
    ONE_TIME_EXPIRED: 10,
    UNINSTALLED: 11,
}
UNKNOWN_EVENT_RANK: Final = 5

# Subscription charge states (lower-case, as stored in `charges[].state`).
PENDING: Final = "pending"
ACTIVE: Final = "active"
FROZEN: Final = "frozen"
CANCELLED: Final = "cancelled"
DECLINED: Final = "declined"
EXPIRED: Final = "expired"

SUB_STATE_BY_EVENT: Final[dict[str, str]] = {
    SUB_ACCEPTED: PENDING,
    SUB_ACTIVATED: ACTIVE,
    SUB_UNFROZEN: ACTIVE,
    SUB_FROZEN: FROZEN,
    SUB_CANCELED: CANCELLED,
    SUB_DECLINED: DECLINED,
    SUB_EXPIRED: EXPIRED,
}

# CustomerStatus.
STATUS_UNINSTALLED: Final = "UNINSTALLED"
STATUS_FROZEN: Final = "FROZEN"
STATUS_TRIAL: Final = "TRIAL"
STATUS_ACTIVE: Final = "ACTIVE"
STATUS_CANCELLED: Final = "CANCELLED"
STATUS_FREE: Final = "FREE"
CUSTOMER_STATUSES: Final = (
    STATUS_ACTIVE, STATUS_TRIAL, STATUS_FROZEN, STATUS_CANCELLED, STATUS_UNINSTALLED, STATUS_FREE,
)

# Billing intervals (Partner API AppPricingInterval values).
EVERY_30_DAYS: Final = "EVERY_30_DAYS"
ANNUAL: Final = "ANNUAL"
CYCLE: Final[dict[str, timedelta]] = {EVERY_30_DAYS: timedelta(days=30), ANNUAL: timedelta(days=365)}

# Timeline entry types (TimelineEntryType), in the order docs/customer-rules.md (Timeline) lists them.
TL_INSTALLED: Final = "INSTALLED"
TL_REINSTALLED: Final = "REINSTALLED"
TL_UNINSTALLED: Final = "UNINSTALLED"
TL_STORE_CLOSED: Final = "STORE_CLOSED"
TL_STORE_REOPENED: Final = "STORE_REOPENED"
TL_TRIAL_STARTED: Final = "TRIAL_STARTED"
TL_TRIAL_CONVERTED: Final = "TRIAL_CONVERTED"
TL_SUBSCRIBED: Final = "SUBSCRIBED"
TL_UPGRADED: Final = "UPGRADED"
TL_DOWNGRADED: Final = "DOWNGRADED"
TL_PLAN_CHANGED: Final = "PLAN_CHANGED"
TL_FROZEN: Final = "FROZEN"
TL_UNFROZEN: Final = "UNFROZEN"
TL_CANCELLED: Final = "CANCELLED"
TL_CHARGE_DECLINED: Final = "CHARGE_DECLINED"
TL_CHARGE_EXPIRED: Final = "CHARGE_EXPIRED"
TL_REACTIVATED: Final = "REACTIVATED"
TL_ONE_TIME_CHARGE: Final = "ONE_TIME_CHARGE"
TL_USAGE_CHARGE: Final = "USAGE_CHARGE"
TL_CREDIT: Final = "CREDIT"
TIMELINE_ENTRY_TYPES: Final = (
    TL_INSTALLED, TL_REINSTALLED, TL_UNINSTALLED, TL_STORE_CLOSED, TL_STORE_REOPENED,
    TL_TRIAL_STARTED, TL_TRIAL_CONVERTED, TL_SUBSCRIBED, TL_UPGRADED, TL_DOWNGRADED, TL_PLAN_CHANGED,
    TL_FROZEN, TL_UNFROZEN, TL_CANCELLED, TL_CHARGE_DECLINED, TL_CHARGE_EXPIRED, TL_REACTIVATED,
    TL_ONE_TIME_CHARGE, TL_USAGE_CHARGE, TL_CREDIT,
)

# Transaction kinds that are app revenue (lifetime value).
APP_SALE_TYPES: Final = frozenset(
    {"AppSubscriptionSale", "AppUsageSale", "AppOneTimeSale", "AppSaleAdjustment", "AppSaleCredit"}
)
SUBSCRIPTION_SALE: Final = "AppSubscriptionSale"
USAGE_SALE: Final = "AppUsageSale"

PLAN_CHANGE_WINDOW: Final = timedelta(seconds=60)
