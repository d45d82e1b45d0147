"""Document budget: depth, selected fields and aliases after fragment expansion, in linear time.

Strawberry's depth and alias limiters re-walk a fragment at every spread, so
a "fragment bomb" (each fragment spreading the next one twice) costs 2**n work
before anything is rejected.  This rule measures each fragment once
(memoised), ignores introspection fields (``__schema`` and friends), and
reports a query that is too deep, selects too many fields or uses too many
aliases once expanded.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
)
from graphql.language.visitor import BREAK

MAX_DEPTH = 12
MAX_FIELDS = 2000
MAX_ALIASES = 30

Budget = tuple[int, int, int]  # depth, fields, aliases


def measure(selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode],
            memo: dict[str, Budget], active: frozenset[str] = frozenset()) -> Budget:
    """(depth, fields, aliases) of a selection set with fragments expanded; counts are capped."""
    depth, count, aliases = 0, 0, 0
    for sel in selection_set.selections:
        if isinstance(sel, FieldNode):
            if sel.name.value.startswith("__"):
                continue
            d, c, a = measure(sel.selection_set, fragments, memo, active) if sel.selection_set else (0, 0, 0)
            depth, count, aliases = max(depth, d + 1), count + c + 1, aliases + a + (1 if sel.alias else 0)
        elif isinstance(sel, InlineFragmentNode):
            d, c, a = measure(sel.selection_set, fragments, memo, active)
            depth, count, aliases = max(depth, d), count + c, aliases + a
        elif isinstance(sel, FragmentSpreadNode):
            name = sel.name.value
            if name in active or name not in fragments:
                continue  # cycles and unknown fragments are reported by the standard rules
            if name not in memo:
                memo[name] = measure(fragments[name].selection_set, fragments, memo, active | {name})
            d, c, a = memo[name]
            depth, count, aliases = max(depth, d), count + c, aliases + a
        count, aliases = min(count, MAX_FIELDS + 1), min(aliases, MAX_ALIASES + 1)
    return depth, count, aliases


class DocumentBudgetRule(ValidationRule):
    """Rejects operations deeper than MAX_DEPTH or selecting more than MAX_FIELDS fields once expanded."""

    def enter_document(self, node: DocumentNode, *_args: Any) -> Any:
        fragments = {d.name.value: d for d in node.definitions if isinstance(d, FragmentDefinitionNode)}
        memo: dict[str, Budget] = {}
        for definition in node.definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            depth, count, aliases = measure(definition.selection_set, fragments, memo)
            name = definition.name.value if definition.name else "anonymous"
            if depth > MAX_DEPTH:
                self.report_error(GraphQLError(
                    f"'{name}' exceeds maximum operation depth of {MAX_DEPTH}", definition))
            if count > MAX_FIELDS:
                self.report_error(GraphQLError(
                    f"'{name}' selects more than {MAX_FIELDS} fields once fragments are expanded", definition))
            if aliases > MAX_ALIASES:
                self.report_error(GraphQLError(
                    f"'{name}' uses more than {MAX_ALIASES} aliases (maximum {MAX_ALIASES})", definition))
        return BREAK
