"""``POST /{organization_id}/api/{version}/graphql.json`` — the Partner API itself.

Order of checks: injected faults (drop — in ``partner_sim.app`` —, slow, 5xx), version (404), access
token (401), rate limit (429, or inside a 200), query length (400), then
parse, validate against the version's schema (errors worded as production)
and execute.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from functools import lru_cache
from typing import Any

from graphql import DocumentNode, ExecutionResult, GraphQLError, execute, parse, validate
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from partner_sim import error_bodies
from partner_sim.context import RequestContext
from partner_sim.schema import schema_for
from partner_sim.state import SimState
from partner_sim.validation_errors import production_error

TOKEN_HEADER = "X-Shopify-Access-Token"


def _json(body: dict[str, Any], status: int, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status_code=status, headers=headers)


async def handle_graphql(request: Request) -> Response:
    """Serve one Partner API request."""
    state: SimState = request.app.state.sim
    org_id = request.path_params["organization_id"]
    version = request.path_params["version"]
    token = request.headers.get(TOKEN_HEADER, "")
    entry: dict[str, Any] = {"t": time.time(), "token": token, "status": 0, "throttled": False, "version": version}
    state.log(entry)
    faults = state.faults

    if faults.slow_ms > 0 and faults.roll(faults.slow_rate):
        await asyncio.sleep(faults.slow_ms / 1000.0)
    if faults.roll(faults.error_rate):
        request_id = str(uuid.uuid4())
        entry["status"] = 500
        return _json(error_bodies.internal_error(request_id), 500, {"X-Request-Id": request_id})
    if version not in state.config.versions:
        entry["status"] = 404
        return _json(error_bodies.INVALID_VERSION, 404)
    permissions = state.scenario.permissions_of(token)
    if permissions is None or org_id != str(state.store.organization["id"]):
        entry["status"] = 401
        return _json(error_bodies.INVALID_TOKEN, 401)
    storm = faults.take_storm()
    if storm or (state.config.throttle and not state.throttle.allow(token)):
        entry["throttled"] = True
        if faults.roll(faults.throttle_in_200_rate):
            entry["status"] = 200
            return _json(error_bodies.THROTTLED, 200)
        entry["status"] = 429
        return _json(error_bodies.THROTTLED, 429, {"Retry-After": "1"})

    raw = await request.body()
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        entry["status"] = 400
        return _json(error_bodies.BAD_REQUEST_BODY, 400)
    query: str = body["query"]
    if len(query) > error_bodies.MAX_QUERY_LENGTH:
        entry["status"] = 400
        return _json(error_bodies.QUERY_TOO_LONG, 400)
    variables = body.get("variables") or {}
    result = run_query(state, version, query, variables, body.get("operationName"), permissions)
    entry["status"] = 200
    return _json(result, 200)


def run_query(state: SimState, version: str, query: str, variables: Any, operation_name: str | None,
              permissions: frozenset[str] | None = None) -> dict[str, Any]:
    """Parse, validate and execute one query; the JSON body production would send."""
    schema = schema_for(version)
    document, errors = _checked_document(version, query)
    if document is None:
        return {"errors": errors}
    if not isinstance(variables, dict):
        return {"errors": [{"message": "Variables must be a JSON object"}]}
    context = RequestContext(store=state.store, config=state.config, version=version)
    if permissions is not None:
        context.permissions = permissions
    with state.lock:
        result = execute(schema, document, variable_values=variables, context_value=context,
                         operation_name=operation_name, is_awaitable=_never_awaitable)
    assert isinstance(result, ExecutionResult)
    return _format(result)


def _never_awaitable(_value: Any) -> bool:
    """Every resolver is synchronous: skip graphql-core's per-value awaitable checks."""
    return False


@lru_cache(maxsize=512)
def _checked_document(version: str, query: str) -> tuple[DocumentNode | None, list[dict[str, Any]]]:
    """Parse and validate once per (version, query text): clients repeat the same few queries."""
    try:
        document = parse(query)
    except GraphQLError as exc:
        return None, [production_error(exc)]
    errors = validate(schema_for(version), document)
    if errors:
        return None, [production_error(e) for e in errors]
    return document, []


def _format(result: ExecutionResult) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if result.errors:
        out["errors"] = [_format_error(e) for e in result.errors]
    out["data"] = result.data
    return out


def _format_error(error: GraphQLError) -> dict[str, Any]:
    formatted = dict(error.formatted)
    if isinstance(error.original_error, GraphQLError) and error.original_error.extensions:
        formatted["extensions"] = dict(error.original_error.extensions)
    if error.original_error is not None and not isinstance(error.original_error, GraphQLError):
        # An unexpected exception: never leak internals, answer as production does.
        formatted["message"] = "Internal error"
    return formatted
