"""Subscriptions run over WebSocket only (graphql-transport-ws): one sent over HTTP is refused with
BAD_USER_INPUT, before any resolver runs, instead of being executed like a query."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ExecutionResult, GraphQLError
from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from crm_shared.errors import UserInputError

MESSAGE = ("subscriptions run over WebSocket: connect to /graphql with the graphql-transport-ws protocol "
           "(docs/alerts.md, The live feed)")


class SubscriptionsOverWebSocket(SchemaExtension):
    """Refuse a subscription operation whose request is not a WebSocket."""

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        request = getattr(execution.context, "request", None)
        if execution.operation_type == OperationType.SUBSCRIPTION and not isinstance(request, WebSocket):
            error = UserInputError(MESSAGE)
            execution.result = ExecutionResult(data=None, errors=[GraphQLError(str(error), original_error=error)])
        yield
