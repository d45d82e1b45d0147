"""The caller's Partner organization and its API keys (never a token or a key in clear, except a new key once)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from crm_shared.store import registry
from crm_shared.store.registry import list_api_keys


@strawberry.enum(description="What an API key may do.")
class ApiKeyScope(Enum):
    FULL = strawberry.enum_value("full", description="Every query and mutation.")
    READ = strawberry.enum_value("read", description="Queries only; every mutation is refused (FORBIDDEN).")


@strawberry.type(description="An API key of your organization (the key itself is shown only when created).")
class ApiKey:
    id: strawberry.ID = strawberry.field(description="The key's id (key_...), used to revoke it.")
    name: str = strawberry.field(description="Its label.")
    prefix: str = strawberry.field(description="The key's first 8 characters, to recognize it.")
    scope: ApiKeyScope = strawberry.field(description="FULL or READ.")
    created_at: datetime | None = strawberry.field(description="When it was created.")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked; null while it works.")


def api_key_from_row(row: dict[str, Any]) -> ApiKey:
    """The GraphQL key of a `registry.list_api_keys` row."""
    return ApiKey(id=strawberry.ID(row["key_id"]), name=row["name"], prefix=row["prefix"],
                  scope=ApiKeyScope(row["scope"]), created_at=row["created_at"], revoked_at=row["revoked_at"])


@strawberry.type(description="A key just created: `key` is shown this once and never stored in clear.")
class CreatedApiKey:
    key: str = strawberry.field(description="The key; send it as Authorization: Bearer <key>.")
    api_key: ApiKey = strawberry.field(description="Its description.")


@strawberry.type(description="Your Partner organization as connected to the CRM (its Partner API token is stored "
                             "encrypted and never returned).")
class Organization:
    id: strawberry.ID = strawberry.field(description="The Partner organization id.")
    name: str = strawberry.field(description="Its display name.")
    token_updated_at: datetime | None = strawberry.field(
        description="When its Partner API token was last stored (connect or rotation).")

    @strawberry.field(description="Ids of the apps the CRM syncs.")
    async def app_ids(self, info: Info) -> list[strawberry.ID]:
        return [strawberry.ID(d["_id"]) for d in await registry.apps_of(info.context.db, str(self.id))]

    @strawberry.field(description="The organization's API keys, live and revoked (full-access keys only).")
    async def api_keys(self, info: Info) -> list[ApiKey]:
        info.context.require_full_access()
        return [api_key_from_row(r) for r in await list_api_keys(info.context.db, str(self.id))]


def organization_from_doc(doc: dict[str, Any]) -> Organization:
    """The GraphQL organization of an `organizations` document."""
    return Organization(id=strawberry.ID(str(doc["_id"])), name=str(doc.get("name") or doc["_id"]),
                        token_updated_at=doc.get("token_updated_at"))
