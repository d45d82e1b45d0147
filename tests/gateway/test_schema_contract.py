"""The schema keeps the API's contract (add, never rename) and documents every type, field and argument."""

from __future__ import annotations

import pytest
from graphql import GraphQLSchema

from crm_gateway.graphql.schema import make_schema

CONTRACT: dict[str, set[str]] = {
    "Query": {"apps", "app", "node"},
    "Mutation": {"triggerSync", "saveSegment", "deleteSegment"},
    "App": {"id", "name", "syncStatus", "customers", "customer", "segments", "segment", "analytics", "mrrSeries"},
    "CustomerFilterInput": {"status", "plan", "paid", "country", "mrrMin", "mrrMax", "installedFrom", "installedTo",
                            "lastActiveFrom", "lastActiveTo", "segment", "includeTest"},
    "CustomerSortInput": {"field", "direction"},
    "CustomerConnection": {"edges", "pageInfo", "totalCount"},
    "PageInfo": {"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"},
    "Customer": {"id", "shopId", "name", "domain", "avatarUrl", "email", "country", "shopifyPlan", "status", "plan",
                 "mrr", "billingInterval", "installedAt", "uninstalledAt", "trialEndsAt", "customerSince",
                 "daysAsCustomer", "lastActiveAt", "lifetimeValue", "lifetimeNet", "isTest", "health", "segments",
                 "timeline", "transactions", "mrrHistory"},
    "Money": {"amount", "currencyCode"},
    "TimelineEntry": {"type", "occurredAt", "plan", "mrrBefore", "mrrAfter", "chargeId", "detail"},
    "MrrPoint": {"at", "mrr", "annotation"},
    "Health": {"score", "grade", "factors"},
    "HealthFactor": {"name", "impact", "detail"},
    "Segment": {"key", "name", "definition", "builtIn", "count", "customers"},
    "SyncStatus": {"state", "lastSyncedAt", "lastError", "progress", "eventsSynced", "transactionsSynced"},
    "AppAnalytics": {"totalMrr", "averageMrr", "activeCustomers", "newCustomers", "newCustomersToday",
                     "newCustomersThisWeek", "churnedCustomers", "reactivatedCustomers", "movements"},
    "MrrMovement": {"kind", "amount"},
}
ENUMS: dict[str, set[str]] = {
    "CustomerSortField": {"SHOP_NAME", "DOMAIN", "EMAIL", "STATUS", "PLAN", "MRR", "COUNTRY", "INSTALLED_AT",
                          "LAST_ACTIVE_AT", "LIFETIME_VALUE"},
    "CustomerStatus": {"ACTIVE", "TRIAL", "FROZEN", "CANCELLED", "UNINSTALLED", "FREE"},
    "SyncState": {"IDLE", "QUEUED", "RUNNING", "FAILED"},
    "BillingInterval": {"EVERY_30_DAYS", "ANNUAL"},
    "Interval": {"DAY", "WEEK", "MONTH"},
    "MrrMovementKind": {"NEW", "EXPANSION", "CONTRACTION", "CHURN", "REACTIVATION"},
}


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return make_schema(production=False)._schema


@pytest.mark.parametrize("type_name", list(CONTRACT))
def test_contract_fields_exist(schema: GraphQLSchema, type_name: str) -> None:
    assert CONTRACT[type_name] <= set(schema.type_map[type_name].fields)  # type: ignore[attr-defined]


@pytest.mark.parametrize("enum_name", list(ENUMS))
def test_contract_enums_exist(schema: GraphQLSchema, enum_name: str) -> None:
    assert ENUMS[enum_name] <= set(schema.type_map[enum_name].values)  # type: ignore[attr-defined]


def test_segment_customers_takes_the_list_arguments(schema: GraphQLSchema) -> None:
    app_args = set(schema.type_map["App"].fields["customers"].args)  # type: ignore[attr-defined]
    seg_args = set(schema.type_map["Segment"].fields["customers"].args)  # type: ignore[attr-defined]
    assert app_args == seg_args == {"filter", "search", "sort", "first", "after", "last", "before"}


def test_every_type_field_argument_and_enum_value_is_documented(schema: GraphQLSchema) -> None:
    missing = []
    for name, t in schema.type_map.items():
        if name.startswith("__") or name in ("String", "Int", "Float", "Boolean", "ID"):
            continue
        if not t.description:
            missing.append(name)
        for fname, f in (getattr(t, "fields", None) or {}).items():
            if not f.description:
                missing.append(f"{name}.{fname}")
            missing += [f"{name}.{fname}({a})" for a, arg in (getattr(f, "args", None) or {}).items()
                        if not arg.description]
        missing += [f"{name}.{v}" for v, val in (getattr(t, "values", None) or {}).items() if not val.description]
    assert missing == []


def test_descriptions_publish_the_rules(schema: GraphQLSchema) -> None:
    customer = schema.type_map["Customer"]
    assert "divided by 12 when annual" in customer.fields["mrr"].description  # type: ignore[attr-defined]
    assert "grade" in schema.type_map["Health"].description.lower()
    assert "percentile" in schema.type_map["Segment"].description
