"""Checking a Partner organization's access before anything is stored: `check_access`.

Used by `crm org connect` / `crm app add` and by the gateway's `connectOrganization` / `addApp` /
`rotatePartnerToken` mutations. A few small queries (validated against the committed Partner API schema)
tell apart what an operator can get wrong, each with an error saying what to fix:

    HTTP 401 on any query                       -> ConnectionRefused("token")       wrong token, or the token of
                                                                                    another (or no) organization
    HTTP 404                                    -> ConnectionRefused("endpoint")    not a Partner API URL / version
    ACCESS_DENIED on app(...)                   -> ConnectionRefused("permission")  "Manage apps" not granted
    ACCESS_DENIED on transactions(...)          -> ConnectionRefused("permission")  "View financials" not granted
    {"app": null}                               -> ConnectionRefused("app")         unknown app id (or another
                                                                                    organization's)
    429 / 5xx / unreachable, after 4 attempts   -> ConnectionRefused("unreachable")

The token is sent only in the ``X-Shopify-Access-Token`` header and never appears in an error message.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import httpx
from graphql import GraphQLSchema, build_schema, parse, validate

from crm_shared.errors import UserInputError

__all__ = ["AppInfo", "ConnectionRefused", "check_access", "check_app_id", "check_org_id"]

APP_GID = re.compile(r"^gid://partners/App/\d+$")
ORG_ID = re.compile(r"^\d{1,12}$")
ATTEMPTS = 4

VERSIONS_QUERY = "query CrmCheckVersions { publicApiVersions { handle supported } }"
FINANCIALS_QUERY = ("query CrmCheckFinancials { transactions(first: 1, types: [APP_SUBSCRIPTION_SALE]) "
                    "{ edges { cursor } } }")
APP_QUERY = ("query CrmCheckApp($id: ID!) { app(id: $id) { id name apiKey "
             "events(first: 1) { edges { cursor } } } }")


class ConnectionRefused(UserInputError):
    """The Partner API does not grant what the CRM needs; `reason` is token, endpoint, permission, app,
    unreachable or input."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class AppInfo:
    """An app as the Partner API names it."""

    id: str
    name: str
    api_key: str | None


def check_org_id(org_id: str) -> str:
    """The organization id, or a clear error (it is the number in the Partner Dashboard's URL)."""
    org_id = str(org_id).strip()
    if not ORG_ID.match(org_id):
        raise ConnectionRefused("input", f"organization id {org_id!r} is not a number: it is the number after "
                                         "partners.shopify.com/ in your Partner Dashboard's address")
    return org_id


def check_app_id(app_id: str) -> str:
    """The app gid, or a clear error (``gid://partners/App/<number>``)."""
    app_id = str(app_id).strip()
    if app_id.isdigit():
        app_id = f"gid://partners/App/{app_id}"
    if not APP_GID.match(app_id):
        raise ConnectionRefused("input", f"app id {app_id!r} is not an app gid: use gid://partners/App/<number> "
                                         "(the number in the app's Partner Dashboard address, /apps/<number>)")
    return app_id


@lru_cache(maxsize=1)
def _schema() -> GraphQLSchema:
    sdl = resources.files("crm_shared").joinpath("partner_schema", "schema-2025-07.graphql").read_text()
    return build_schema(sdl)


@lru_cache(maxsize=8)
def _validated(source: str) -> str:
    errors = validate(_schema(), parse(source))
    if errors:  # a programming error: these documents are constants
        raise RuntimeError(f"Partner API check query is invalid: {errors[0].message}")
    return source


def _access_denied(errors: Any) -> str | None:
    """The message of an ACCESS_DENIED error in a GraphQL answer, if any."""
    for err in errors if isinstance(errors, list) else ():
        if isinstance(err, dict) and (err.get("extensions") or {}).get("code") == "ACCESS_DENIED":
            return str(err.get("message") or "access denied")
    return None


class _Probe:
    def __init__(self, client: httpx.AsyncClient, base_url: str, version: str, org_id: str, token: str) -> None:
        self.client = client
        self.url = f"{base_url.rstrip('/')}/{org_id}/api/{version}/graphql.json"
        self.org_id = org_id
        self.version = version
        self.headers = {"X-Shopify-Access-Token": token, "Content-Type": "application/json"}

    async def query(self, source: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = {"query": _validated(source), "variables": variables or {}}
        delay = 0.5
        last = ""
        for attempt in range(ATTEMPTS):
            try:
                response = await self.client.post(self.url, json=body, headers=self.headers)
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}"
            else:
                if response.status_code == 401:
                    raise ConnectionRefused(
                        "token", f"the Partner API refused the access token for organization {self.org_id} "
                                 "(HTTP 401): check that the token is a Partner API client's access token of this "
                                 "organization and that the organization id is right")
                if response.status_code == 404:
                    raise ConnectionRefused(
                        "endpoint", f"the Partner API answered 404 for organization {self.org_id} at version "
                                    f"{self.version}: check PARTNER_API_URL and PARTNER_API_VERSION")
                if response.status_code == 429 or response.status_code >= 500:
                    last = f"HTTP {response.status_code}"
                    retry_after = response.headers.get("retry-after", "")
                    delay = float(retry_after) if retry_after.replace(".", "", 1).isdigit() else delay
                else:
                    try:
                        answer = response.json()
                    except ValueError:
                        answer = None
                    if not isinstance(answer, dict):
                        raise ConnectionRefused("endpoint", f"the Partner API answer is not JSON (HTTP "
                                                            f"{response.status_code}): check PARTNER_API_URL")
                    errors = answer.get("errors")
                    throttled = any(isinstance(e, dict) and str((e.get("extensions") or {}).get("code")) == "429"
                                    for e in errors or ())
                    if not throttled:
                        return answer
                    last = "throttled"
            if attempt + 1 < ATTEMPTS:
                await asyncio.sleep(min(delay, 5.0))
                delay *= 2
        raise ConnectionRefused("unreachable", f"the Partner API could not be reached ({last}); try again")


async def check_access(base_url: str, version: str, org_id: str, token: str, app_ids: list[str],
                       transport: httpx.AsyncBaseTransport | None = None,
                       timeout: float = 20.0) -> list[AppInfo]:
    """Check that `token` opens organization `org_id` with the permissions the CRM needs ("Manage apps",
    "View financials") and that every app id is one of its apps; the apps as the Partner API names them.

    Raises `ConnectionRefused` with a message saying what to fix (see the module docstring)."""
    org_id = check_org_id(org_id)
    app_ids = [check_app_id(a) for a in app_ids]
    if not token or not token.strip():
        raise ConnectionRefused("input", "the Partner API access token is empty")
    async with httpx.AsyncClient(timeout=timeout, transport=transport) as client:
        probe = _Probe(client, base_url, version, org_id, token.strip())
        versions = await probe.query(VERSIONS_QUERY)
        supported = {str(v.get("handle")) for v in ((versions.get("data") or {}).get("publicApiVersions") or ())
                     if isinstance(v, dict) and v.get("supported")}
        if supported and version not in supported:
            raise ConnectionRefused("endpoint", f"Partner API version {version} is not supported any more "
                                                f"(supported: {', '.join(sorted(supported))}): set "
                                                "PARTNER_API_VERSION")
        financials = await probe.query(FINANCIALS_QUERY)
        denied = _access_denied(financials.get("errors"))
        if denied:
            raise ConnectionRefused("permission", "the Partner API client lacks the \"View financials\" "
                                                  f"permission ({denied}): tick it for the API client in the "
                                                  "Partner Dashboard (Settings > Partner API clients)")
        apps: list[AppInfo] = []
        for app_id in app_ids or ["gid://partners/App/0"]:  # no app yet: still check "Manage apps"
            answer = await probe.query(APP_QUERY, {"id": app_id})
            denied = _access_denied(answer.get("errors"))
            if denied:
                raise ConnectionRefused("permission", "the Partner API client lacks the \"Manage apps\" "
                                                      f"permission ({denied}): tick it for the API client in the "
                                                      "Partner Dashboard (Settings > Partner API clients)")
            node = (answer.get("data") or {}).get("app")
            if not app_ids:
                break
            if node is None:
                raise ConnectionRefused("app", f"the Partner API knows no app {app_id} in organization {org_id}: "
                                               "check the app id (Partner Dashboard > Apps > the app: the number "
                                               "in its address)")
            apps.append(AppInfo(id=app_id, name=str(node.get("name") or app_id), api_key=node.get("apiKey")))
        return apps
