"""The schema with its safety extensions (limits, caches, production hardening)."""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError, GraphQLObjectType
from strawberry import Schema
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from crm_gateway.error_codes import code_for
from crm_gateway.graphql.fast_execution import FastExecutionContext, attribute_getter
from crm_gateway.graphql.limits import MAX_ALIASES, MAX_DEPTH, DocumentBudgetRule
from crm_gateway.graphql.mutation import Mutation
from crm_gateway.graphql.query import Query
from crm_gateway.graphql.read_only_keys import ReadOnlyKeys
from crm_gateway.graphql.subscription import Subscription
from crm_gateway.graphql.types.app import App
from crm_gateway.graphql.types.customer import Customer
from crm_gateway.graphql.websocket_only import SubscriptionsOverWebSocket
from crm_shared.settings import get_settings

__all__ = ["MAX_ALIASES", "MAX_DEPTH", "MAX_TOKENS", "GatewaySchema", "make_schema"]

MAX_TOKENS = 3000

logger = logging.getLogger("crm_gateway.errors")


class GatewaySchema(Schema):
    """A schema that logs only unexpected (INTERNAL) errors; caller mistakes are not server problems."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        for error in errors:
            if code_for(error) == "INTERNAL":
                logger.error("unexpected error in %s", error.path, exc_info=error.original_error)



def make_schema(production: bool, fast_execution: bool | None = None) -> Schema:
    """The schema; `production` hides introspection and field suggestions; `fast_execution` (default:
    GATEWAY_FAST_EXECUTION) completes plain attribute selections with `fast_execution`."""
    fast = get_settings().gateway_fast_execution if fast_execution is None else fast_execution
    # Factories: a fresh extension per request; the parser and validation caches behind them are process-wide.
    # The depth and alias rules are built once so the validation cache (keyed by the rule classes) hits.
    limit_rules = [DocumentBudgetRule]
    extensions: list[Any] = [
        lambda: AddValidationRules(limit_rules),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
    ]
    extensions.append(ReadOnlyKeys)
    extensions.append(SubscriptionsOverWebSocket)
    if production:
        extensions.append(DisableIntrospection)
    schema = GatewaySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[App, Customer],
        extensions=extensions,
        execution_context_class=FastExecutionContext if fast else None,
        config=StrawberryConfig(disable_field_suggestions=production),
    )
    if fast:
        fast_attribute_resolvers(schema)
    return schema


def fast_attribute_resolvers(schema: Schema) -> int:
    """Serve plain attribute fields (no resolver, no field extension) with a bare `getattr`.

    Strawberry's wrapper for such a field ends in the same `getattr(source, python_name)`
    but costs a few calls more per field, which adds up over 50-250 rows of ~25 fields.
    Returns how many fields were switched."""
    switched = 0
    for gql_type in schema._schema.type_map.values():
        if not isinstance(gql_type, GraphQLObjectType) or gql_type.name.startswith("__"):
            continue
        for gql_field in gql_type.fields.values():
            definition = (gql_field.extensions or {}).get("strawberry-definition")
            if (definition is None or definition.base_resolver is not None or definition.extensions
                    or not getattr(gql_field.resolve, "_is_default", False)):
                continue
            gql_field.resolve = attribute_getter(definition.python_name)
            switched += 1
    return switched
