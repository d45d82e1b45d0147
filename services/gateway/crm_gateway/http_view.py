"""GraphQL over HTTP: authentication first, stable error codes, media types and status codes by the spec.

- POST with JSON, GET for queries only (a mutation over GET is 405).
- ``Accept: application/graphql-response+json`` gets that media type, and a
  request error (syntax, validation, bad variables: no `data`) is then 400.
- ``application/json`` answers 200 for every GraphQL result; so do ``Accept: */*``
  and a request without ``Accept`` (the GraphQL-over-HTTP spec's SHOULDs: legacy
  clients that send either expect ``application/json``).
- No or a wrong API key: 401 with an UNAUTHENTICATED error, before any parsing.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import dramatiq
import orjson
import structlog
from cross_web import HTTPException
from graphql import ExecutionResult
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.schema import BaseSchema
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler

from crm_gateway.auth import authenticate_access, bearer_token
from crm_gateway.context import GatewayContext
from crm_gateway.error_codes import MASKED_MESSAGE, error_body, format_error, unavailable
from crm_gateway.graphiql_page import graphiql_html
from crm_gateway.list_index.manager import ListIndex
from crm_shared.connections import Connector
from crm_shared.errors import AuthenticationError

GRAPHQL_RESPONSE = "application/graphql-response+json"
MAX_BODY_BYTES = 512 * 1024
MAX_QUERY_STRING = 16 * 1024


def wants_graphql_response(accept: str) -> bool:
    """The client asked for application/graphql-response+json (before or instead of application/json).

    No Accept header, or only ``*/*``, gets ``application/json``."""
    if GRAPHQL_RESPONSE not in accept:
        return False
    if "application/json" not in accept:
        return True
    return accept.index(GRAPHQL_RESPONSE) < accept.index("application/json")


def json_body_problem(body: bytes) -> str | None:
    """Why a JSON request body is not a GraphQL request object, or None when it is one."""
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        return "request body is not valid UTF-8"
    except RecursionError:
        return "request body is nested too deeply"
    except ValueError:
        return "request body is not valid JSON"
    if not isinstance(data, dict):
        return "request body must be a JSON object with a query (batching is not supported)"
    return None


class CodedTransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    """graphql-transport-ws with the gateway's error rule: every error carries `extensions.code` (an error
    before execution, e.g. validation, is BAD_USER_INPUT; an uncoded one during it INTERNAL, masked in
    production)."""

    async def send_message(self, message: Any) -> None:
        kind = message.get("type")
        if kind == "error":
            message["payload"] = [_with_code(e, "BAD_USER_INPUT", False) for e in message.get("payload") or []]
        elif kind == "next" and (message.get("payload") or {}).get("errors"):
            production = bool(getattr(self.view, "production", False))
            message["payload"]["errors"] = [_with_code(e, "INTERNAL", production)
                                            for e in message["payload"]["errors"]]
        await super().send_message(message)


def _with_code(error: dict[str, Any], default: str, production: bool) -> dict[str, Any]:
    error = dict(error)
    extensions = dict(error.get("extensions") or {})
    if "code" not in extensions:
        extensions["code"] = default
        if default == "INTERNAL" and production:
            error["message"] = MASKED_MESSAGE
    error["extensions"] = extensions
    return error


class GatewayView(GraphQL):
    """Strawberry's ASGI view with the gateway's auth, context and HTTP rules; WebSockets (graphql-transport-ws)
    carry the subscriptions, authenticated with the same API keys."""

    graphql_transport_ws_handler_class = CodedTransportWSHandler

    def __init__(self, schema: BaseSchema, db: Callable[[], AsyncDatabase], broker: Callable[[], dramatiq.Broker],
                 clock: Callable[[], datetime], production: bool, list_index: ListIndex | None = None) -> None:
        super().__init__(schema, graphql_ide=None if production else "graphiql", allow_queries_via_get=True,
                         subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,))
        self._db = db
        self._broker = broker
        self._clock = clock
        self.production = production
        self.list_index = list_index
        #: the organization-connection operations the admin mutations use (None: from settings)
        self.connector: Callable[[], Connector] | None = None

    def encode_json(self, data: object) -> bytes:
        """The response body: orjson (compact UTF-8), or the standard encoder for what orjson refuses
        (lone surrogates echoed from a request, integers over 64 bits)."""
        try:
            return orjson.dumps(data)
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            return json.dumps(data, separators=(",", ":")).encode()

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(graphiql_html())

    async def get_context(self, request: Any, response: Any) -> Any:
        """A WebSocket connection's context: unauthenticated until `on_ws_connect` accepts its key."""
        if isinstance(request, WebSocket):
            return GatewayContext(request=request, db=self._db(), org_id="", now=self._clock(), broker=self._broker,
                                  list_index=self.list_index, scope="read", connector=self.connector,
                                  production=self.production)
        return await super().get_context(request, response)

    async def on_ws_connect(self, context: Any) -> Any:
        """graphql-transport-ws `connection_init`: the API key from the upgrade request's Authorization header,
        or from the payload's ``Authorization`` (browsers cannot set headers on a WebSocket).  A missing,
        unknown or revoked key closes the connection (4403)."""
        params = getattr(context, "connection_params", None) or {}
        header = context.request.headers.get("authorization")
        if isinstance(params, dict):
            header = params.get("Authorization") or params.get("authorization") or header
        token = bearer_token(header if isinstance(header, str) else None)
        try:
            org_id, scope = await authenticate_access(context.db, header if isinstance(header, str) else None)
        except (AuthenticationError, ConnectionFailure) as exc:
            raise ConnectionRejectionError({"message": str(exc), "code": "UNAUTHENTICATED"}) from exc
        assert token is not None
        context.authenticated(org_id, scope, token)
        return None

    async def run(self, request: Any, context: Any = None, root_value: Any = None) -> Any:  # type: ignore[override]
        if isinstance(request, WebSocket):
            return await super().run(request)
        if not isinstance(request, Request) or request.scope["type"] != "http":
            return JSONResponse(error_body("unsupported request", "BAD_USER_INPUT"), status_code=400)
        adapter = self.request_adapter_class(request)
        if self.is_request_allowed(adapter) and self.should_render_graphql_ide(adapter):
            return await super().run(request, context={}, root_value=None)
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id[:64])
        db = self._db()
        try:
            org_id, scope = await authenticate_access(db, request.headers.get("authorization"))
        except AuthenticationError as exc:
            return JSONResponse(error_body(str(exc), exc.code), status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        except ConnectionFailure:
            return unavailable()
        structlog.contextvars.bind_contextvars(organization_id=org_id)
        too_big = await self._too_big(request)
        if too_big is not None:
            return too_big
        ctx = GatewayContext(request=request, db=db, org_id=org_id, now=self._clock(), broker=self._broker,
                             list_index=self.list_index, scope=scope, connector=self.connector,
                             production=self.production, api_key=bearer_token(request.headers.get("authorization")))
        try:
            response = await super().run(request, context=ctx, root_value=None)
        except HTTPException as exc:  # a request that is not well-formed: a JSON error, not Strawberry's text
            return JSONResponse(error_body(exc.reason, "BAD_USER_INPUT"), status_code=exc.status_code,
                                media_type=GRAPHQL_RESPONSE if wants_graphql_response(
                                    request.headers.get("accept", "")) else "application/json")
        response.headers["x-request-id"] = request_id[:64]
        if wants_graphql_response(request.headers.get("accept", "")) and response.media_type == "application/json":
            response.headers["content-type"] = GRAPHQL_RESPONSE
            if getattr(request.state, "request_error", False):
                response.status_code = 400
        return response

    async def _too_big(self, request: Request) -> JSONResponse | None:
        """413 for a body over MAX_BODY_BYTES (or a GET query string over MAX_QUERY_STRING)."""
        if len(request.url.query) > MAX_QUERY_STRING:
            return JSONResponse(error_body(f"query string over {MAX_QUERY_STRING} bytes", "BAD_USER_INPUT"),
                                status_code=414)
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return JSONResponse(error_body(f"request body over {MAX_BODY_BYTES} bytes", "BAD_USER_INPUT"),
                                status_code=413)
        if request.method == "POST":
            size = 0
            chunks: list[bytes] = []
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    return JSONResponse(error_body(f"request body over {MAX_BODY_BYTES} bytes", "BAD_USER_INPUT"),
                                        status_code=413)
                chunks.append(chunk)
            body = b"".join(chunks)
            request._body = body  # starlette reads the cached body from here
            if "json" in request.headers.get("content-type", ""):
                problem = json_body_problem(body)
                if problem is not None:
                    return JSONResponse(error_body(problem, "BAD_USER_INPUT"), status_code=400)
        return None

    async def execute_single(self, request: Request, request_adapter: Any, sub_response: Any, context: Any,
                             root_value: Any, request_data: Any) -> ExecutionResult:
        try:
            return await super().execute_single(request, request_adapter, sub_response, context, root_value,
                                                request_data)
        except HTTPException as exc:
            if request_adapter.method == "GET" and isinstance(exc.__cause__, InvalidOperationTypeError):
                raise HTTPException(405, "mutations are only allowed over POST") from exc
            raise

    async def process_result(self, request: Request, result: ExecutionResult) -> Any:
        body: dict[str, Any] = {}
        request_error = result.data is None and bool(result.errors) and all(e.path is None for e in result.errors)
        if request_error:
            request.state.request_error = True
        else:
            body["data"] = result.data
        if result.errors:
            body["errors"] = [format_error(e, self.production) for e in result.errors]
        if result.extensions:
            body["extensions"] = result.extensions
        return body
