"""A faster executor for selections made only of plain attribute fields (list rows, Money, Health ...).

graphql-core completes every field of every row through the same general
machinery: a `Path`, a resolve info, argument coercion, the resolver call,
awaitable checks and the non-null / list / leaf / abstract / object dispatch.
For a 50-row page of ~20 fields that is ~1,000 trips per request, and they
were most of the gateway's CPU per request.

Most of those fields are plain attributes served by `attribute_getter`
(see `crm_gateway.graphql.schema.fast_attribute_resolvers`): no arguments, no
awaitables, no side effects.  For an object (or a list of objects) whose whole
selected subtree is made of such fields, leaf types and nested objects/lists
of them, this executor builds a "plan" of the selection: one small function per
object type (a closure over the selection; no code is generated) that reads
the attributes, passes plain strings through, coerces other leaves with the
type's own `coerce_output_value` and recurses into nested objects and lists.  The result is the same dict
graphql-core would build, in the same key order.

Plans are kept per request and, when nothing in the selection depends on the
request's variables (no directive anywhere in it, no fragment variables),
process-wide, keyed by the identity of the parsed field nodes (the parser
cache hands the same document to every request of the same query text).

Anything irregular (a null in a non-null position, a leaf that does not
coerce, a value that is not a list, an `is_type_of` that refuses, a raised
exception ...) abandons the fast attempt and completes the value again on the
standard path, which reports the error exactly as before (message, path,
null propagation).  Re-running is safe because attribute reads have no side
effects.  Fields with arguments, custom resolvers, middleware (extensions with
a `resolve` hook), abstract types, `@defer`/`@stream`, incremental delivery and
subscription operations always take the standard path.

``GATEWAY_FAST_EXECUTION=false`` turns it off (with the attribute resolvers);
`tests/gateway/test_fast_execution_differential.py` runs generated queries on
the real schema and data both ways and requires equal answers.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from inspect import isawaitable
from operator import attrgetter
from typing import Any, NamedTuple

from graphql import (
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    InlineFragmentNode,
    OperationType,
    SelectionSetNode,
    TypeNameMetaFieldDef,
    Undefined,
)
from graphql.execution.collect_fields import FieldDetailsList, FragmentDetails
from graphql.pyutils import AwaitableOrValue, Path
from graphql.type.scalars import serialize_boolean, serialize_id, serialize_string
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

__all__ = ["ATTRIBUTE_NAME", "FastExecutionContext", "attribute_getter"]

ATTRIBUTE_NAME = "__gateway_attribute__"
"""Set on resolvers made by `attribute_getter`: the attribute they read."""

# Directives that change how a field is delivered; their fields never take the fast path.
INCREMENTAL_DIRECTIVES = frozenset({"defer", "stream"})

# Leaf serializers that return a value of this exact type unchanged.
PASSED_THROUGH: dict[Callable[[Any], Any], type] = {serialize_string: str, serialize_id: str, serialize_boolean: bool}

MAX_SHARED_PLANS = 1024
"""Process-wide plans kept (all dropped when full; each is rebuilt by its next request)."""

Completer = Callable[[Any, GraphQLResolveInfo], Any]
"""Completes one value; the info is the one of the field whose value holds it (for `is_type_of`)."""


class Completion(NamedTuple):
    """How to complete the values of one field."""

    complete: Completer
    unchanged: type | None = None  # values of exactly this type complete to themselves


class Plan(NamedTuple):
    """A compiled selection of one object type, and whether it may be shared across requests."""

    run: Completer
    shareable: bool


class Slow(Exception):  # noqa: N818 - a signal, not an error
    """Leave the fast path: complete this value the standard way (which reports any error properly)."""


def attribute_getter(name: str) -> Callable[..., Any]:
    """A resolver returning `getattr(source, name)`, marked so the fast executor can inline it."""

    def resolve(source: Any, _info: Any, **_kwargs: Any) -> Any:
        return getattr(source, name)

    setattr(resolve, ATTRIBUTE_NAME, name)
    return resolve


def enum_names(leaf_type: GraphQLLeafType) -> dict[int, tuple[Any, Any]]:
    """id(runtime value) -> (the value, its coerced name) for every value of an enum type.

    Computed with the type's own `coerce_output_value`, once: looked up by
    identity afterwards, so only those very objects are answered from here."""
    if not isinstance(leaf_type, GraphQLEnumType):
        return {}
    candidates = [value.value for value in leaf_type.values.values()]
    wrapped = getattr(leaf_type, "wrapped_cls", None)  # strawberry enums take their Python members
    if isinstance(wrapped, type) and issubclass(wrapped, enum.Enum):
        candidates.extend(wrapped)
    names: dict[int, tuple[Any, Any]] = {}
    for value in candidates:
        try:
            name = leaf_type.coerce_output_value(value)
        except Exception:  # noqa: BLE001 - such a value simply is not in the table
            continue
        if name is not None and name is not Undefined:
            names[id(value)] = (value, name)
    return names


def leaf_completion(leaf_type: GraphQLLeafType, non_null: bool) -> Completion:
    """Complete a scalar or enum value like `Executor.complete_leaf_value`."""
    coerce = leaf_type.coerce_output_value
    # A str given to String or ID, a bool given to Boolean, comes out as it went in.
    unchanged = PASSED_THROUGH.get(coerce)  # type: ignore[call-overload]
    known = enum_names(leaf_type)

    def complete(value: Any, _info: GraphQLResolveInfo) -> Any:
        if type(value) is unchanged:
            return value
        if known:
            entry = known.get(id(value))
            if entry is not None and entry[0] is value:
                return entry[1]
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

    return Completion(complete, unchanged)


def list_completion(item: Completer, non_null: bool) -> Completion:
    """Complete a list (or tuple) value item by item; other iterables take the standard path."""

    def complete(value: Any, info: GraphQLResolveInfo) -> Any:
        if value is None or value is Undefined:
            if non_null:
                raise Slow
            return None
        if not isinstance(value, (list, tuple)):
            raise Slow
        return [item(v, info) for v in value]

    return Completion(complete)


def object_completion(object_type: GraphQLObjectType, plan: Completer, non_null: bool) -> Completion:
    """Complete an object value by running its plan (after its `is_type_of` check, if any)."""
    checked = object_type.is_type_of is not None

    def complete(value: Any, info: GraphQLResolveInfo) -> Any:
        if value is None or value is Undefined:
            if non_null:
                raise Slow
            return None
        if isinstance(value, Exception) or (checked and not type_matches(object_type, value, info)):
            raise Slow
        return plan(value, info)

    return Completion(complete)


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


def compile_plan(fields: list[tuple[str, str | None, Any]]) -> Completer:
    """The function completing one object: `{key: completed attribute, ...}`, or Slow.

    `fields` holds (response key, attribute, Completion), or (key, None, constant)
    for __typename.  All attributes are read with one `attrgetter` call; a value
    of a field's `unchanged` type (a str for String or ID, a bool for Boolean)
    is taken as it is, any other goes through the field's completer."""
    attributes = [attribute for _key, attribute, _value in fields if attribute is not None]
    read = attrgetter(*attributes) if attributes else None
    one = len(attributes) == 1  # attrgetter of one name gives the value itself, not a tuple
    constants = [(key, value) for key, attribute, value in fields if attribute is None]
    # (response key, the completion's function, the type passed through unchanged) per attribute, in read order
    steps = [(key, value.complete, value.unchanged) for key, attribute, value in fields if attribute is not None]
    order = [key for key, _attribute, _value in fields]

    def run(source: Any, info: GraphQLResolveInfo) -> dict[str, Any]:
        try:
            values = () if read is None else ((read(source),) if one else read(source))
            out = {key: value for key, value in constants}
            for (key, complete, unchanged), value in zip(steps, values, strict=True):
                out[key] = value if type(value) is unchanged else complete(value, info)
        except Slow:
            raise
        except Exception as exc:
            raise Slow from exc
        return out if not constants else {key: out[key] for key in order}

    return run


def static_selection(field_details_list: FieldDetailsList, fragments: dict[str, FragmentDetails]) -> bool:
    """What the sub-selection of these field nodes selects cannot depend on variables.

    True when no directive appears anywhere in it (fields, inline fragments,
    spreads and the fragments they spread) and no fragment variables are in play."""
    seen: set[str] = set()

    def static(selection_set: SelectionSetNode | None) -> bool:
        for selection in selection_set.selections if selection_set else ():
            if selection.directives:
                return False
            if isinstance(selection, InlineFragmentNode):
                if not static(selection.selection_set):
                    return False
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in seen:
                    continue
                seen.add(name)
                fragment = fragments.get(name)
                if fragment is None or fragment.variable_signatures or fragment.definition.directives \
                        or not static(fragment.definition.selection_set):
                    return False
        return True

    return all(details.fragment_variable_values is None and static(details.node.selection_set)
               for details in field_details_list)


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor with a compiled fast path for attribute-only selections."""

    # (object type, ids of the field nodes) -> (the nodes, kept alive so their ids stay theirs; plan or None)
    shared_plans: dict[tuple[GraphQLObjectType, tuple[int, ...]], tuple[tuple[Any, ...], Plan | None]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (object type, id(field details list)) -> (the list, kept alive; its plan or None).
        self._fast_plans: dict[tuple[GraphQLObjectType, int], tuple[FieldDetailsList, Plan | None]] = {}
        manager = self.middleware_manager
        # Subscriptions (the live feed, one small event at a time) always take the standard path.
        subscription = self.operation.operation == OperationType.SUBSCRIPTION
        self._fast_enabled = (manager is None or not manager.middlewares) and not subscription

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
            plan = self.fast_plan(return_type, field_details_list)
            if plan is not None and type_matches(return_type, result, info):
                try:
                    return plan.run(result, info)
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
            item = self.fast_completion(return_type.of_type, field_details_list)
            if item is not None:
                complete = item[0].complete
                try:
                    return [complete(v, info) for v in result]
                except Slow:
                    pass
        return super().complete_list_value(return_type, field_details_list, info, path, result, position_context)

    def fast_completion(self, output_type: GraphQLOutputType,
                        field_details_list: FieldDetailsList) -> tuple[Completion, bool] | None:
        """How to complete values of `output_type` selected by `field_details_list` (and whether that
        may be shared across requests), or None when some part needs the standard path."""
        non_null = isinstance(output_type, GraphQLNonNull)
        inner = output_type.of_type if non_null else output_type
        if isinstance(inner, GraphQLList):
            item = self.fast_completion(inner.of_type, field_details_list)
            return None if item is None else (list_completion(item[0].complete, non_null), item[1])
        if isinstance(inner, GraphQLLeafType):
            return leaf_completion(inner, non_null), True
        if isinstance(inner, GraphQLObjectType):
            plan = self.fast_plan(inner, field_details_list)
            return None if plan is None else (object_completion(inner, plan.run, non_null), plan.shareable)
        return None  # interfaces and unions: the standard path resolves the runtime type

    def fast_plan(self, object_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> Plan | None:
        """The plan of `object_type`'s sub-selection: from this request's memo, from the process-wide
        plans when it does not depend on variables, else built (None when it cannot be fast; cheap to
        find again, since the first field that needs the standard path ends the build)."""
        key = (object_type, id(field_details_list))
        cached = self._fast_plans.get(key)
        if cached is not None:
            return cached[1]
        nodes = tuple(details.node for details in field_details_list)
        shared_key = (object_type, tuple(map(id, nodes)))
        shared = self.shared_plans.get(shared_key)
        if shared is not None:
            plan = shared[1]
        else:
            plan = self._build_plan(object_type, field_details_list)
            if plan is not None and plan.shareable:
                if len(self.shared_plans) >= MAX_SHARED_PLANS:
                    self.shared_plans.clear()
                self.shared_plans[shared_key] = (nodes, plan)
        self._fast_plans[key] = (field_details_list, plan)
        return plan

    def _build_plan(self, object_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> Plan | None:
        shareable = static_selection(field_details_list, self.fragments)
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
            completion = self.fast_completion(field_def.type, sub_details)
            if completion is None:
                return None
            fields.append((response_name, attribute, completion[0]))
            shareable = shareable and completion[1]
        return Plan(compile_plan(fields), shareable)


def has_incremental_directive(field_details_list: FieldDetailsList) -> bool:
    """Some node of the field carries @defer or @stream."""
    return any(d.name.value in INCREMENTAL_DIRECTIVES
               for details in field_details_list for d in details.node.directives or ())
