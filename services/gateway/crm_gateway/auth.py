"""Who is calling (API key → organization) and which apps they may see.

Another organization's app behaves exactly like one that does not exist: the
same NOT_FOUND error, the same message.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.errors import AuthenticationError, NotFoundError
from crm_shared.store.registry import get_app, key_access


def bearer_token(authorization: str | None) -> str | None:
    """The key in an ``Authorization: Bearer <key>`` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def authenticate_access(db: AsyncDatabase, authorization: str | None) -> tuple[str, str]:
    """(organization id, key scope "full" or "read"); UNAUTHENTICATED for a missing, unknown or revoked key.
    Read on every request, so a revoked key is refused at once."""
    token = bearer_token(authorization)
    if token is None:
        raise AuthenticationError("missing API key: send Authorization: Bearer <key>")
    access = await key_access(db, token)
    if access is None:
        raise AuthenticationError("invalid or revoked API key")
    return access


async def authenticate(db: AsyncDatabase, authorization: str | None) -> str:
    """The caller's organization id; UNAUTHENTICATED for a missing, unknown or revoked key."""
    return (await authenticate_access(db, authorization))[0]


def app_not_found(app_id: str) -> NotFoundError:
    """The one error for an app that is missing or belongs to someone else."""
    return NotFoundError(f"no app with id {app_id!r}")


async def app_for_org(db: AsyncDatabase, org_id: str, app_id: str) -> dict[str, Any]:
    """The app document when it belongs to `org_id`; NOT_FOUND otherwise."""
    doc = await get_app(db, app_id, org_id)
    if doc is None:
        raise app_not_found(app_id)
    return dict(doc)
