"""A faster executor for selections made only of plain attribute fields (list rows, Money, Health ...).

graphql-core completes every field of every row through the same general
machinery: a `Path`, a resolve info, argument coercion, the resolver call,
awaitable checks and the non-null / list / leaf / abstract / object dispatch.
For a 50-row page of ~20 fields that is ~1,000 trips per request, and they
are most of the gateway's CPU per request.

Most of those fields are plain attributes served by `attribute_getter`
(see `crm_gateway.graphql.schema.fast_attribute_resolvers`): no arguments, no
awaitables, no side effects.  For an object (or a list of objects) whose whole
selected subtree is made of such fields, leaf types and nested objects/lists
of them, this executor compiles the selection once per request into a small
"plan" and completes each value by running it: `getattr`, the leaf's
`coerce_output_value`, recursion.  The result is the same dict graphql-core
would build, in the same key order.

Anything irregular (a null in a non-null position, a leaf that does not
coerce, a value that is not a list, an `is_type_of` that refuses, a raised
exception ...) abandons the fast attempt and completes the value again on the
standard path, which reports the error exactly as before (message, path,
null propagation).  Re-running is safe because attribute reads have no side
effects.  Fields with arguments, custom resolvers, middleware (extensions with
a `resolve` hook), abstract types, `@defer`/`@stream` and incremental delivery
always take the standard path.
"""

from __future__ import annotations

from collections.abc import Callable
from inspect import isawaitable
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    TypeNameMetaFieldDef,
    Undefined,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import AwaitableOrValue, Path
from graphql.type.scalars import serialize_boolean, serialize_id, serialize_string
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

__all__ = ["ATTRIBUTE_NAME", "FastExecutionContext", "attribute_getter"]

ATTRIBUTE_NAME = "__gateway_attribute__"
"""Set on resolvers made by `attribute_getter`: the attribute they read."""

# Directives that change how a field is delivered; their fields never take the fast path.
INCREMENTAL_DIRECTIVES = frozenset({"defer", "stream"})

Completer = Callable[[Any], Any]

# Leaf serializers that return a value of this exact type unchanged.
PASSED_THROUGH: dict[Callable[[Any], Any], type] = {serialize_string: str, serialize_id: str, serialize_boolean: bool}


class Slow(Exception):  # noqa: N818 - a signal, not an error
    """Leave the fast path: complete this value the standard way (which reports any error properly)."""


def attribute_getter(name: str) -> Callable[..., Any]:
    """A resolver returning `getattr(source, name)`, marked so the fast executor can inline it."""

    def resolve(source: Any, _info: Any, **_kwargs: Any) -> Any:
        return getattr(source, name)

    setattr(resolve, ATTRIBUTE_NAME, name)
    return resolve


def leaf_completer(leaf_type: GraphQLLeafType, non_null: bool) -> Completer:
    """Complete a scalar or enum value like `Executor.complete_leaf_value`."""
    coerce = leaf_type.coerce_output_value
    # A str given to String or ID, a bool given to Boolean, comes out as it went in.
    unchanged = PASSED_THROUGH.get(coerce)  # type: ignore[call-overload]

    def complete(value: Any) -> Any:
        if type(value) is unchanged:
            return value
        if value is None or value is Undefined:
            if non_null:
                raise Slow
            return None
        if isinstance(value, Exception):
            raise Slow
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise Slow
        return coerced

    return complete


def list_completer(item: Completer, non_null: bool) -> Completer:
    """Complete a list (or tuple) value item by item; other iterables take the standard path."""

    def complete(value: Any) -> Any:
        if value is None or value is Undefined:
            if non_null:
                raise Slow
            return None
        if not isinstance(value, (list, tuple)):
            raise Slow
        return [item(v) for v in value]

    return complete


def object_completer(object_type: GraphQLObjectType, plan: Completer, non_null: bool,
                     info: GraphQLResolveInfo) -> Completer:
    """Complete an object value by running its plan (after its `is_type_of` check, if any)."""
    checked = object_type.is_type_of is not None

    def complete(value: Any) -> Any:
        if value is None or value is Undefined:
            if non_null:
                raise Slow
            return None
        if isinstance(value, Exception) or (checked and not type_matches(object_type, value, info)):
            raise Slow
        return plan(value)

    return complete


def type_matches(object_type: GraphQLObjectType, value: Any, info: GraphQLResolveInfo) -> bool:
    """`is_type_of` (when the type has one) accepts `value` synchronously.

    False or an awaitable answer leaves the decision (and the error) to the standard path."""
    is_type_of = object_type.is_type_of
    if is_type_of is None:
        return True
    answer = is_type_of(value, info)
    if answer is True:
        return True
    if isawaitable(answer) and hasattr(answer, "close"):
        answer.close()  # the standard path asks again and awaits its own answer
    return False


def run_fields(fields: list[tuple[str, str | None, Any]]) -> Completer:
    """The plan of an object: each response key from an attribute (or a constant for __typename)."""
    keys = [key for key, _attribute, _complete in fields]
    # __typename reads a dummy attribute every object has and completes to the type's name.
    attributes = [attribute or "__class__" for _key, attribute, _complete in fields]
    completers = [complete if attribute else constant(complete) for _key, attribute, complete in fields]
    read: Callable[[Any], tuple[Any, ...]]
    if len(attributes) > 1:
        read = attrgetter(*attributes)
    else:  # attrgetter of one name gives the value itself, of none is an error
        read = (lambda source: (getattr(source, attributes[0]),)) if attributes else (lambda _source: ())

    def run(source: Any) -> dict[str, Any]:
        try:
            return dict(zip(keys, [complete(value) for complete, value in zip(completers, read(source))]))
        except Slow:
            raise
        except Exception as exc:
            raise Slow from exc

    return run


def constant(value: Any) -> Completer:
    """A completer that always gives `value`."""
    return lambda _value: value


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor with a compiled fast path for attribute-only selections."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (object type, id(field details list)) -> (the list, kept alive; its plan or None).
        self._fast_plans: dict[tuple[GraphQLObjectType, int], tuple[FieldDetailsList, Completer | None]] = {}
        manager = self.middleware_manager
        self._fast_enabled = manager is None or not manager.middlewares

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        if position_context is None and self._fast_enabled:
            plan = self.fast_plan(return_type, field_details_list, info)
            if plan is not None and type_matches(return_type, result, info):
                try:
                    return plan(result)
                except Slow:
                    pass
        return super().complete_object_value(return_type, field_details_list, info, path, result,
                                             position_context)

    def complete_list_value(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        if position_context is None and self._fast_enabled and isinstance(result, (list, tuple)) \
                and not has_incremental_directive(field_details_list):
            item = self.fast_completer(return_type.of_type, field_details_list, info)
            if item is not None:
                try:
                    return [item(v) for v in result]
                except Slow:
                    pass
        return super().complete_list_value(return_type, field_details_list, info, path, result, position_context)

    def fast_completer(self, output_type: GraphQLOutputType, field_details_list: FieldDetailsList,
                       info: GraphQLResolveInfo) -> Completer | None:
        """A completer for values of `output_type` selected by `field_details_list`, or None if not all fast."""
        non_null = isinstance(output_type, GraphQLNonNull)
        inner = output_type.of_type if non_null else output_type
        if isinstance(inner, GraphQLList):
            item = self.fast_completer(inner.of_type, field_details_list, info)
            return None if item is None else list_completer(item, non_null)
        if isinstance(inner, GraphQLLeafType):
            return leaf_completer(inner, non_null)
        if isinstance(inner, GraphQLObjectType):
            plan = self.fast_plan(inner, field_details_list, info)
            return None if plan is None else object_completer(inner, plan, non_null, info)
        return None  # interfaces and unions: the standard path resolves the runtime type

    def fast_plan(self, object_type: GraphQLObjectType, field_details_list: FieldDetailsList,
                  info: GraphQLResolveInfo) -> Completer | None:
        """The plan of `object_type`'s sub-selection, memoised per request like `collect_subfields`."""
        key = (object_type, id(field_details_list))
        cached = self._fast_plans.get(key)
        if cached is not None:
            return cached[1]
        plan = self._build_plan(object_type, field_details_list, info)
        self._fast_plans[key] = (field_details_list, plan)
        return plan

    def _build_plan(self, object_type: GraphQLObjectType, field_details_list: FieldDetailsList,
                    info: GraphQLResolveInfo) -> Completer | None:
        grouped_field_set, new_defer_usages, _forbidden = self.collect_subfields(object_type, field_details_list)
        if new_defer_usages:
            return None
        fields: list[tuple[str, str | None, Any]] = []
        for response_name, sub_details in grouped_field_set.items():
            node = sub_details[0].node
            field_def = self.schema.get_field(object_type, node.name.value)
            if field_def is None:
                continue  # like execute_field's Undefined: left out of the result
            if field_def is TypeNameMetaFieldDef:
                fields.append((response_name, None, object_type.name))
                continue
            attribute = getattr(field_def.resolve, ATTRIBUTE_NAME, None)
            if attribute is None or field_def.args or has_incremental_directive(sub_details) \
                    or any(d.node.arguments for d in sub_details):
                return None
            complete = self.fast_completer(field_def.type, sub_details, info)
            if complete is None:
                return None
            fields.append((response_name, attribute, complete))
        return run_fields(fields)


def has_incremental_directive(field_details_list: FieldDetailsList) -> bool:
    """Some node of the field carries @defer or @stream."""
    return any(d.name.value in INCREMENTAL_DIRECTIVES
               for details in field_details_list for d in details.node.directives or ())
