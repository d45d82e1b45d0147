"""Connecting a Partner organization and its apps: the operations behind `crm org|app ...` and the
gateway's admin mutations (one implementation for both).

Every operation checks with the Partner API first (`crm_shared.partner_access.check_access`) and writes
nothing when the check fails. Tokens are stored encrypted (`crm_shared.token_cipher`). A connected app's
first sync (an import of its whole history) is requested at once (`crm_shared.sync_requests`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import dramatiq
import httpx
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.errors import NotFoundError
from crm_shared.partner_access import AppInfo, check_access, check_app_id, check_org_id
from crm_shared.settings import Settings, get_settings
from crm_shared.store import (
    app_metrics,
    app_summaries,
    customer_events,
    customers,
    partner_events,
    partner_transactions,
    rebuild_outbox,
    registry,
    saved_segments,
    shop_profiles,
    sync_state,
)
from crm_shared.sync_requests import request_sync
from crm_shared.token_cipher import TokenCipher, cipher_from_settings

__all__ = ["Connector", "ConnectResult"]

#: How to delete each collection's share of an app's own data (`remove_app(..., purge=True)`).
APP_DATA = (partner_events.purge_app, partner_transactions.purge_app, shop_profiles.purge_app, customers.purge_app,
            app_metrics.purge_app, app_summaries.purge_app, saved_segments.purge_app, rebuild_outbox.purge_app,
            customer_events.purge_app)


@dataclass
class ConnectResult:
    """What a connect / add / rotate did."""

    organization_id: str
    name: str
    apps: list[AppInfo] = field(default_factory=list)
    syncs_requested: list[str] = field(default_factory=list)


@dataclass
class Connector:
    """The operations, bound to a database, a Partner API endpoint, a cipher and (optionally) a broker for
    sync requests. `transport` lets tests route the Partner API checks in-process."""

    db: AsyncDatabase[Any]
    cipher: TokenCipher
    partner_api_url: str
    partner_api_version: str
    broker: dramatiq.Broker | None = None
    transport: httpx.AsyncBaseTransport | None = None

    @classmethod
    def from_settings(cls, db: AsyncDatabase[Any], broker: dramatiq.Broker | None = None,
                      settings: Settings | None = None) -> Connector:
        """A connector configured by PARTNER_API_URL, PARTNER_API_VERSION and CRM_SECRET_KEY."""
        settings = settings or get_settings()
        return cls(db=db, cipher=cipher_from_settings(settings), partner_api_url=settings.partner_api_url,
                   partner_api_version=settings.partner_api_version, broker=broker)

    async def _check(self, org_id: str, token: str, app_ids: list[str]) -> list[AppInfo]:
        return await check_access(self.partner_api_url, self.partner_api_version, org_id, token, app_ids,
                                  transport=self.transport)

    async def _organization(self, org_id: str) -> dict[str, Any]:
        doc = await registry.get_organization(self.db, org_id)
        if doc is None:
            raise NotFoundError(f"organization {org_id} is not connected: connect it first (crm org connect)")
        return dict(doc)

    async def _sync(self, app_ids: list[str]) -> list[str]:
        if self.broker is None:
            return []
        for app_id in app_ids:
            await request_sync(self.db, self.broker, app_id, full=False, reason="connected")
        return app_ids

    async def connect_organization(self, org_id: str, token: str, app_ids: list[str] | None = None,
                                   name: str | None = None) -> ConnectResult:
        """Check the token (and apps), then store the organization with its encrypted token and the apps;
        request each new app's first sync."""
        org_id = check_org_id(org_id)
        app_ids = list(dict.fromkeys(check_app_id(a) for a in app_ids or []))
        apps = await self._check(org_id, token, app_ids)
        existing = await registry.get_organization(self.db, org_id)
        org_name = (name or "").strip() or (existing or {}).get("name") or f"Organization {org_id}"
        await registry.register_organization(self.db, org_id, org_name, token.strip(),
                                    [{"id": a.id, "name": a.name, "apiKey": a.api_key} for a in apps],
                                    cipher=self.cipher)
        return ConnectResult(org_id, org_name, apps, await self._sync([a.id for a in apps]))

    async def rotate_token(self, org_id: str, token: str) -> ConnectResult:
        """Replace the organization's token after checking it opens every one of its apps."""
        org = await self._organization(check_org_id(org_id))
        app_ids = [a["_id"] for a in await registry.apps_of(self.db, org["_id"])]
        apps = await self._check(org["_id"], token, app_ids)
        await registry.set_access_token(self.db, org["_id"], self.cipher.encrypt(token.strip()))
        return ConnectResult(org["_id"], org.get("name", org["_id"]), apps)

    async def add_app(self, org_id: str, app_id: str) -> ConnectResult:
        """Check the app id with the organization's stored token, store the app, request its first sync."""
        org = await self._organization(check_org_id(org_id))
        app_id = check_app_id(app_id)
        if await registry.app_of_another_organization(self.db, app_id, org["_id"]):
            raise NotFoundError(f"no app with id {app_id!r} in organization {org['_id']}")
        apps = await self._check(org["_id"], registry.access_token_of(org, self.cipher), [app_id])
        for app in apps:
            await registry.add_app(self.db, org["_id"], app.id, app.name, app.api_key)
        return ConnectResult(org["_id"], org.get("name", org["_id"]), apps, await self._sync([app_id]))

    async def remove_app(self, org_id: str, app_id: str, purge: bool = False) -> bool:
        """Stop syncing and serving an app of the organization (its data too when `purge`); False when the
        organization has no such app."""
        app_id = check_app_id(app_id)
        if not await registry.remove_app(self.db, check_org_id(org_id), app_id):
            return False
        await sync_state.forget(self.db, app_id)
        if purge:
            for purge_app in APP_DATA:
                await purge_app(self.db, app_id)
        return True
