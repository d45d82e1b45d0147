"""The GraphQL documents the worker sends, validated against the committed schema.

Every document is parsed and validated once against
`crm_shared/partner_schema/schema-2025-07.graphql` (the parts the CRM uses are
unchanged up to 2026-07); `PartnerClient` validates again through gql before
each send.  Concrete event types are spelled out because `charge` has a
different type per interface and would not merge.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from graphql import GraphQLSchema, build_schema, parse, validate

from crm_shared.errors import PermanentError

SCHEMA_FILE = "schema-2025-07.graphql"

_SHOP = "shop { id name myshopifyDomain avatarUrl }"
_MONEY = "{ amount currencyCode }"

_SUBSCRIPTION_EVENTS = [
    "SubscriptionChargeAccepted", "SubscriptionChargeActivated", "SubscriptionChargeCanceled",
    "SubscriptionChargeDeclined", "SubscriptionChargeExpired", "SubscriptionChargeFrozen",
    "SubscriptionChargeUnfrozen", "SubscriptionCappedAmountUpdated", "SubscriptionApproachingCappedAmount",
]
_ONE_TIME_EVENTS = ["OneTimeChargeAccepted", "OneTimeChargeActivated", "OneTimeChargeDeclined", "OneTimeChargeExpired"]
_CREDIT_EVENTS = ["CreditApplied", "CreditFailed", "CreditPending"]

APP_SALE_TYPES = ["AppSubscriptionSale", "AppUsageSale", "AppOneTimeSale", "AppSaleAdjustment", "AppSaleCredit"]
APP_SALE_TRANSACTION_TYPES = [
    "APP_SUBSCRIPTION_SALE", "APP_USAGE_SALE", "APP_ONE_TIME_SALE", "APP_SALE_ADJUSTMENT", "APP_SALE_CREDIT",
]


def _event_fragments() -> str:
    parts = [f"... on {t} {{ charge {{ ...SubscriptionFields }} }}" for t in _SUBSCRIPTION_EVENTS]
    parts += [f"... on {t} {{ charge {{ ...ChargeFields }} }}" for t in _ONE_TIME_EVENTS]
    parts.append("... on UsageChargeApplied { charge { ...UsageFields } }")
    parts += [f"... on {t} {{ appCredit {{ ...CreditFields }} }}" for t in _CREDIT_EVENTS]
    parts.append("... on RelationshipUninstalled { reason description }")
    return "\n          ".join(parts)


APP_EVENTS = f"""
query AppEvents($appId: ID!, $first: Int!, $after: String, $occurredAtMin: DateTime, $occurredAtMax: DateTime) {{
  app(id: $appId) {{
    id
    events(first: $first, after: $after, occurredAtMin: $occurredAtMin, occurredAtMax: $occurredAtMax) {{
      edges {{
        cursor
        node {{
          __typename
          type
          occurredAt
          app {{ id }}
          {_SHOP}
          {_event_fragments()}
        }}
      }}
      pageInfo {{ hasNextPage }}
    }}
  }}
}}
fragment SubscriptionFields on AppSubscription {{ id name test billingOn amount {_MONEY} }}
fragment ChargeFields on AppPurchaseOneTime {{ id name test amount {_MONEY} }}
fragment UsageFields on AppUsageRecord {{ id name test amount {_MONEY} }}
fragment CreditFields on AppCredit {{ id name test amount {_MONEY} }}
"""


def _sale_fragments() -> str:
    common = f"app {{ id }} {_SHOP} chargeId grossAmount {_MONEY} netAmount {_MONEY} shopifyFee {_MONEY}"
    parts = []
    for t in APP_SALE_TYPES:
        extra = " billingInterval" if t == "AppSubscriptionSale" else ""
        parts.append(f"... on {t} {{ {common}{extra} }}")
    return "\n          ".join(parts)


APP_TRANSACTIONS = f"""
query AppTransactions($appId: ID!, $first: Int!, $after: String, $createdAtMin: DateTime,
                      $createdAtMax: DateTime, $types: [TransactionType!]) {{
  transactions(appId: $appId, first: $first, after: $after, createdAtMin: $createdAtMin,
               createdAtMax: $createdAtMax, types: $types) {{
    edges {{
      cursor
      node {{
          __typename
          id
          createdAt
          {_sale_fragments()}
      }}
    }}
    pageInfo {{ hasNextPage }}
  }}
}}
"""

API_VERSIONS = "query ApiVersions { publicApiVersions { handle supported } }"


@lru_cache(maxsize=1)
def partner_schema_sdl() -> str:
    """The committed Partner API schema (SDL text)."""
    return resources.files("crm_shared").joinpath("partner_schema", SCHEMA_FILE).read_text()


@lru_cache(maxsize=1)
def partner_schema() -> GraphQLSchema:
    """The committed Partner API schema, built once per process."""
    return build_schema(partner_schema_sdl())


def validate_document(source: str) -> None:
    """Raise `PermanentError` when `source` is not valid against the Partner API schema."""
    errors = validate(partner_schema(), parse(source))
    if errors:
        raise PermanentError("invalid Partner API query: " + "; ".join(e.message for e in errors))
