"""Read-only API keys may not run a mutation: the whole operation is refused with FORBIDDEN, before any
resolver runs (so no mutation can forget the check)."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from crm_shared.errors import ForbiddenError

READ_ONLY_MESSAGE = "this API key is read-only: mutations need a full-access key (crm keys create)"


class ReadOnlyKeys(SchemaExtension):
    """Refuse mutations for a context whose `scope` is not "full"."""

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        scope = getattr(execution.context, "scope", "full")
        if scope != "full" and execution.operation_type == OperationType.MUTATION:
            error = ForbiddenError(READ_ONLY_MESSAGE)
            execution.result = ExecutionResult(data=None, errors=[GraphQLError(str(error), original_error=error)])
        yield
