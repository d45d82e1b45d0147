"""Signed, short-lived export links: a browser download that needs no Authorization header.

A link is the export URL plus ``org`` (the caller's organization), ``exp`` (expiry,
Unix seconds, wall clock) and ``sig``: HMAC-SHA256, keyed by the gateway's signing
secret, over every other parameter of the link in a canonical order. So the
link names its query, its organization and its expiry, and changing any of them
(another app, another filter, a later expiry) breaks the signature. The export
endpoint then treats the link's organization like a key's: an app of another
organization is NOT_FOUND, so a link works for nobody else's data.

The secret is ``CRM_EXPORT_SIGNING_KEY`` when set (give every gateway replica the
same value); otherwise a random secret created once in MongoDB (`crm_shared.store.signing_keys`)
and shared by every replica of the deployment.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit

from pymongo.asynchronous.database import AsyncDatabase
from starlette.datastructures import QueryParams

from crm_gateway.graphql.types.export_link import ExportLink
from crm_shared.errors import AuthenticationError
from crm_shared.settings import get_settings
from crm_shared.store import signing_keys

if TYPE_CHECKING:
    from crm_gateway.context import GatewayContext
    from crm_gateway.graphql.inputs import CustomerFilterInput, CustomerSortInput

SECRET_ID = "export_links"
LINK_TTL_SECONDS = 600
SIGNATURE_PARAMS = frozenset({"org", "exp", "sig"})
wall_clock: Callable[[], float] = time.time  # expiry is wall time, whatever clock the data is read at

_cached: dict[str, bytes] = {}


async def signing_secret(db: AsyncDatabase) -> bytes:
    """The HMAC key (environment, else the deployment's stored random secret)."""
    configured = get_settings().export_signing_key
    if configured:
        return configured.encode()
    cache_key = f"{id(db.client)}|{db.name}"
    if cache_key in _cached:
        return _cached[cache_key]
    _cached[cache_key] = await signing_keys.ensure_secret(db, SECRET_ID)
    return _cached[cache_key]


def canonical(params: list[tuple[str, str]]) -> str:
    """The signed text: every parameter but ``sig``, sorted, URL-encoded."""
    return urlencode(sorted((k, v) for k, v in params if k != "sig"))


def signature(secret: bytes, params: list[tuple[str, str]]) -> str:
    """HMAC-SHA256 (hex) of the canonical parameters."""
    return hmac.new(secret, canonical(params).encode(), hashlib.sha256).hexdigest()


def sign_url(secret: bytes, url: str, org_id: str, expires: int) -> str:
    """`url` (an export URL) with org, exp and sig appended."""
    parts = urlsplit(url)
    params = [*parse_qsl(parts.query, keep_blank_values=True), ("org", org_id), ("exp", str(expires))]
    params.append(("sig", signature(secret, params)))
    return parts._replace(query=urlencode(params)).geturl()


def is_signed(params: QueryParams) -> bool:
    """The request carries a link signature (instead of an Authorization header)."""
    return "sig" in params


async def verify_signed(db: AsyncDatabase, params: QueryParams) -> tuple[str, QueryParams]:
    """(organization id, the export parameters without org/exp/sig) of a valid, unexpired link.

    UNAUTHENTICATED (the same message for every failure but expiry) otherwise."""
    pairs = list(params.multi_items())
    given = params.get("sig", "")
    org_id, exp = params.get("org"), params.get("exp")
    if not org_id or not exp or not exp.isdigit() or len(params.getlist("sig")) != 1:
        raise AuthenticationError("invalid export link")
    expected = signature(await signing_secret(db), pairs)
    if not hmac.compare_digest(expected, given):
        raise AuthenticationError("invalid export link")
    if int(exp) < wall_clock():
        raise AuthenticationError("export link expired: request a new one")
    rest = QueryParams([(k, v) for k, v in pairs if k not in SIGNATURE_PARAMS])
    return org_id, rest


async def signed_export_link(ctx: GatewayContext, app_id: str, f: CustomerFilterInput | None, search: str | None,
                             sort: CustomerSortInput | None, full: bool) -> ExportLink:
    """A signed link to the export of this list (or of every customer with `full`)."""
    from crm_gateway.export_params import export_url

    url = export_url(str(ctx.request.base_url), app_id, None if full else f, None if full else search, sort)
    if full:
        url += "&scope=full"
    expires = int(wall_clock()) + LINK_TTL_SECONDS
    signed = sign_url(await signing_secret(ctx.db), url, ctx.org_id, expires)
    return ExportLink(url=signed, expires_at=datetime.fromtimestamp(expires, tz=timezone.utc))
