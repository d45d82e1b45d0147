"""The customer rules of docs/customer-rules.md: pure derivation of one customer document.

    from crm_shared.customer import derive_customer
    doc = derive_customer(app_id, shop_id, events, transactions, profile, now)

Modules, by concern: `vocabulary` (event types, lifecycle order, enums),
`parsing` (times and money), `ordering` (the fold order), `ledger`
(transactions: lifetime value, sale intervals), `billing` (interval, trial,
monthly amount), `charges` (a subscription charge's state, timeline texts),
`lifecycle` (the fold: states, timeline, MRR history),
`health` (score and `HEALTH_FORMULA`), `clock_changes` (``next_change_at``),
`search` (prefix-search keys), `derive` (assembly), `codec` (Decimal ↔
Decimal128), `money` (display rounding).
"""

from crm_shared.customer.codec import from_mongo, to_mongo
from crm_shared.customer.derive import derive_customer
from crm_shared.customer.health import HEALTH_FORMULA
from crm_shared.customer.money import mrr_display
from crm_shared.customer.vocabulary import CUSTOMER_STATUSES, TIMELINE_ENTRY_TYPES

__all__ = [
    "CUSTOMER_STATUSES",
    "HEALTH_FORMULA",
    "TIMELINE_ENTRY_TYPES",
    "derive_customer",
    "from_mongo",
    "mrr_display",
    "to_mongo",
]
