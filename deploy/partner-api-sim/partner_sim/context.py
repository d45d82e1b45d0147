"""What every resolver can see: the data, the configuration and the request's version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from graphql import GraphQLResolveInfo

from partner_sim.config import SimConfig
from partner_sim.store import Store


@dataclass
class RequestContext:
    """Per-request GraphQL context."""

    store: Store
    config: SimConfig
    version: str
    #: the Partner API client's permissions (``MANAGE_APPS``, ``VIEW_FINANCIALS``)
    permissions: frozenset[str] = frozenset({"MANAGE_APPS", "VIEW_FINANCIALS"})

    def now(self) -> datetime:
        """The simulator's clock: ``CRM_NOW``, else the scenario's ``now``, else real time."""
        return self.config.now or self.store.now or datetime.now(timezone.utc)


def ctx(info: GraphQLResolveInfo) -> RequestContext:
    """The request context of a resolver call."""
    return info.context  # type: ignore[no-any-return]
