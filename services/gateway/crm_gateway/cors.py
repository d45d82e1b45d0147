"""CORS for browser apps on other origins: the origins of `CRM_CORS_ORIGINS` only (none by default).

Starlette's `CORSMiddleware` answers preflights and adds ``Access-Control-Allow-Origin`` to responses for
an allowed origin only; another origin gets no CORS header, so the browser blocks it. Credentials
(cookies) are not allowed: API keys travel in the ``Authorization`` header.
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from crm_shared.errors import ConfigurationError

ALLOWED_METHODS = ["GET", "POST", "OPTIONS"]
ALLOWED_HEADERS = ["Authorization", "Content-Type", "Accept"]


def parse_origins(value: str) -> list[str]:
    """The origins of a comma-separated CRM_CORS_ORIGINS (each ``scheme://host[:port]``, no path)."""
    origins = [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
    for origin in origins:
        scheme, sep, rest = origin.partition("://")
        if origin == "*" or not sep or scheme not in ("http", "https") or not rest or "/" in rest:
            raise ConfigurationError(f"CRM_CORS_ORIGINS: {origin!r} is not an origin like https://crm.example.com "
                                     "(wildcards are not accepted)")
    return origins


def cors_middleware(origins: list[str]) -> Middleware:
    """The CORS middleware for exactly these origins."""
    return Middleware(CORSMiddleware, allow_origins=origins, allow_methods=ALLOWED_METHODS,
                      allow_headers=ALLOWED_HEADERS, allow_credentials=False, max_age=600)
