"""The one mapping from errors to GraphQL `extensions.code` (and HTTP status).

    crm_shared.errors.CrmError subclasses carry their own `code`:
        UserInputError → BAD_USER_INPUT, NotFoundError → NOT_FOUND,
        AuthenticationError → UNAUTHENTICATED, ForbiddenError → FORBIDDEN
    a GraphQL error raised before execution (syntax, validation, variable
        coercion: no `path`)                                  → BAD_USER_INPUT
    MongoDB unreachable (pymongo ConnectionFailure)           → UNAVAILABLE (retry later)
    anything else raised by a resolver                        → INTERNAL
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from pymongo.errors import ConnectionFailure
from starlette.responses import JSONResponse

from crm_shared.errors import CrmError

CODES = ("UNAUTHENTICATED", "FORBIDDEN", "BAD_USER_INPUT", "NOT_FOUND", "UNAVAILABLE", "INTERNAL")
UNAVAILABLE_MESSAGE = "The database is unavailable; retry in a few seconds"
MASKED_MESSAGE = "Internal server error"


def code_for(error: GraphQLError) -> str:
    """The stable `extensions.code` of a GraphQL error."""
    original = error.original_error
    if isinstance(original, CrmError):
        return original.code
    if isinstance(original, ConnectionFailure):
        return "UNAVAILABLE"
    if original is None or error.path is None:
        return "BAD_USER_INPUT"
    return "INTERNAL"


def format_error(error: GraphQLError, production: bool) -> dict[str, Any]:
    """The JSON form of `error` with its code; internal details masked in production."""
    code = code_for(error)
    formatted: dict[str, Any] = error.formatted
    formatted = dict(formatted)
    if code == "INTERNAL" and production:
        formatted["message"] = MASKED_MESSAGE
    elif code == "UNAVAILABLE":
        formatted["message"] = UNAVAILABLE_MESSAGE
    formatted["extensions"] = {**(formatted.get("extensions") or {}), "code": code}
    return formatted


def error_body(message: str, code: str) -> dict[str, Any]:
    """A response body holding one request-level error."""
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


def unavailable() -> JSONResponse:
    """503 with a clear UNAVAILABLE error while MongoDB cannot be reached."""
    return JSONResponse(error_body(UNAVAILABLE_MESSAGE, "UNAVAILABLE"), status_code=503, headers={"Retry-After": "5"})
