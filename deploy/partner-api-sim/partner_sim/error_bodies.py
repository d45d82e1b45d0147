"""The exact HTTP error bodies the simulator answers with (one place, so tests and
clients can compare byte for byte).

Shapes follow the Partner API README: GraphQL-style ``{"errors": [...]}`` with
the HTTP status as ``extensions.code`` (the documented throttling body is the
model for the others).
"""

from __future__ import annotations

from typing import Any

MAX_QUERY_LENGTH = 50_000

THROTTLED: dict[str, Any] = {"errors": [{"message": "Too many requests", "extensions": {"code": "429"}}]}
INVALID_TOKEN: dict[str, Any] = {"errors": [{"message": "Invalid access token", "extensions": {"code": "401"}}]}
INVALID_VERSION: dict[str, Any] = {"errors": [{"message": "Invalid API version", "extensions": {"code": "404"}}]}
QUERY_TOO_LONG: dict[str, Any] = {
    "errors": [{"message": f"Maximum query length is {MAX_QUERY_LENGTH} characters", "extensions": {"code": "400"}}]
}
BAD_REQUEST_BODY: dict[str, Any] = {
    "errors": [{"message": "Body must be a JSON object with a \"query\" string", "extensions": {"code": "400"}}]
}


def internal_error(request_id: str) -> dict[str, Any]:
    """The 500 body: production says "Internal error" and a request id to quote."""
    return {
        "errors": [
            {
                "message": (
                    "Internal error. Looks like something went wrong on our end.\n"
                    f"Request ID: {request_id} (include this in support requests)."
                ),
                "extensions": {"code": "500", "requestId": request_id},
            }
        ]
    }
