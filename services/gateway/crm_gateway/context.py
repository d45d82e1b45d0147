"""Per-request context: the database, the caller's organization, the clock and fresh DataLoaders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import dramatiq
from pymongo.asynchronous.database import AsyncDatabase
from starlette.requests import HTTPConnection

from crm_gateway.auth import app_for_org, app_not_found
from crm_gateway.graphql.loaders.app_loader import make_app_loader
from crm_gateway.graphql.loaders.customer_loader import make_customer_loader
from crm_gateway.graphql.loaders.segment_count_loader import make_segment_count_loader
from crm_gateway.graphql.loaders.sync_state_loader import make_sync_state_loader
from crm_gateway.list_index.manager import ListIndex
from crm_shared.connections import Connector
from crm_shared.errors import ForbiddenError


@dataclass
class Loaders:
    """DataLoaders created per request (their caches never outlive one request)."""

    apps: Any
    customers: Any
    sync_states: Any
    segment_counts: Any


@dataclass
class GatewayContext:
    """What every resolver gets as `info.context`."""

    request: HTTPConnection  # a Request, or the WebSocket of a subscription connection
    db: AsyncDatabase
    org_id: str
    now: datetime
    broker: Callable[[], dramatiq.Broker]
    list_index: ListIndex | None = None
    scope: str = "full"  # the API key's scope: "full", or "read" (no mutation)
    connector: Callable[[], Connector] | None = None  # the organization-connection operations (admin mutations)
    production: bool = False
    api_key: str | None = None  # the caller's key (the live feed checks it again while it runs)
    connection_params: Any = None  # a WebSocket connection's connection_init payload
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(
            apps=make_app_loader(self.db, self.org_id),
            customers=make_customer_loader(self.db),
            sync_states=make_sync_state_loader(self.db),
            segment_counts=make_segment_count_loader(self.db, self.now, self.list_index),
        )

    def authenticated(self, org_id: str, scope: str, api_key: str) -> None:
        """A WebSocket connection authenticated itself (`connection_init`): scope the context to its key."""
        self.org_id, self.scope, self.api_key = org_id, scope, api_key
        self.__post_init__()

    async def app(self, app_id: str) -> dict[str, Any]:
        """The caller's app `app_id`; NOT_FOUND when missing or another organization's."""
        doc = await self.loaders.apps.load(app_id)
        if doc is None:
            raise app_not_found(app_id)
        return doc

    def require_full_access(self) -> None:
        """FORBIDDEN for a read-only key."""
        if self.scope != "full":
            raise ForbiddenError("this API key is read-only: this needs a full-access key")

    def connections(self) -> Connector:
        """The connection operations (Partner API checks, encrypted token storage)."""
        if self.connector is None:
            return Connector.from_settings(self.db, self.broker())
        return self.connector()

    async def app_strict(self, app_id: str) -> dict[str, Any]:
        """Like `app` but read fresh (for mutations)."""
        return await app_for_org(self.db, self.org_id, app_id)
