"""Mutations that connect the organization and manage its keys (for the console; the `crm` command line
does the same). Like every mutation they need a full-access key (`read_only_keys`)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from crm_gateway.graphql.types.organization import (
    ApiKey,
    ApiKeyScope,
    CreatedApiKey,
    Organization,
    api_key_from_row,
    organization_from_doc,
)
from crm_shared.errors import ForbiddenError, NotFoundError, UserInputError
from crm_shared.store import registry
from crm_shared.store.registry import create_api_key, hash_key, key_id_of, list_api_keys, revoke_api_key

TokenArg = Annotated[str, strawberry.argument(
    description="A Partner API client's access token with the \"Manage apps\" and \"View financials\" "
                "permissions. Checked with the Partner API, stored encrypted, never returned.")]
AppArg = Annotated[strawberry.ID, strawberry.argument(description="Partner app gid, gid://partners/App/<number>.")]


async def _organization(info: Info) -> Organization:
    doc = await registry.get_organization(info.context.db, info.context.org_id)
    if doc is None:
        raise NotFoundError("your organization is not connected")
    return organization_from_doc(doc)


@strawberry.type
class AdminMutation:
    @strawberry.mutation(description="Connect (or reconnect) your organization: the token and app ids are checked "
                                     "with the Partner API first and nothing is stored when a check fails; new "
                                     "apps' first syncs are queued.")
    async def connect_organization(
        self, info: Info, access_token: TokenArg,
        app_ids: Annotated[list[strawberry.ID] | None, strawberry.argument(
            description="Apps to sync (more can be added with addApp).")] = None,
        organization_id: Annotated[strawberry.ID | None, strawberry.argument(
            description="Your organization id (default: the API key's; a key connects only its own).")] = None,
        name: Annotated[str | None, strawberry.argument(description="A display name.")] = None,
    ) -> Organization:
        ctx = info.context
        if organization_id is not None and str(organization_id) != ctx.org_id:
            raise ForbiddenError("an API key can only connect its own organization")
        await ctx.connections().connect_organization(ctx.org_id, access_token, [str(a) for a in app_ids or []],
                                                     name)
        return await _organization(info)

    @strawberry.mutation(description="Replace your organization's Partner API token (checked against every app "
                                     "first). Revoke the old token in the Partner Dashboard afterwards.")
    async def rotate_partner_token(self, info: Info, access_token: TokenArg) -> Organization:
        await info.context.connections().rotate_token(info.context.org_id, access_token)
        return await _organization(info)

    @strawberry.mutation(description="Add an app of your organization (its id is checked with the Partner API); "
                                     "its first sync is queued.")
    async def add_app(self, info: Info, app_id: AppArg) -> Organization:
        await info.context.connections().add_app(info.context.org_id, str(app_id))
        return await _organization(info)

    @strawberry.mutation(description="Stop syncing and serving an app; false when you have no such app.")
    async def remove_app(
        self, info: Info, app_id: AppArg,
        purge_data: Annotated[bool, strawberry.argument(
            description="Also delete the app's synced and derived data.")] = False,
    ) -> bool:
        return await info.context.connections().remove_app(info.context.org_id, str(app_id), purge=purge_data)

    @strawberry.mutation(description="Create an API key for your organization; the key is in the answer once.")
    async def create_api_key(
        self, info: Info,
        name: Annotated[str, strawberry.argument(description="A label, 1-80 characters.")],
        scope: Annotated[ApiKeyScope, strawberry.argument(description="FULL or READ.")] = ApiKeyScope.FULL,
    ) -> CreatedApiKey:
        name = name.strip()
        if not 1 <= len(name) <= 80:
            raise UserInputError("name must be 1-80 characters")
        key = await create_api_key(info.context.db, info.context.org_id, name=name, scope=scope.value)
        key_id = key_id_of(hash_key(key))
        row = next(r for r in await list_api_keys(info.context.db, info.context.org_id) if r["key_id"] == key_id)
        return CreatedApiKey(key=key, api_key=api_key_from_row(row))

    @strawberry.mutation(description="Revoke one of your API keys at once (by its id); requests with it fail "
                                     "from then on.")
    async def revoke_api_key(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The key's id (key_...).")],
    ) -> ApiKey:
        ctx = info.context
        rows = {r["key_id"]: r for r in await list_api_keys(ctx.db, ctx.org_id)}
        if str(id) not in rows:
            raise NotFoundError(f"no API key with id {str(id)!r}")
        await revoke_api_key(ctx.db, str(id), org_id=ctx.org_id)
        rows = {r["key_id"]: r for r in await list_api_keys(ctx.db, ctx.org_id)}
        return api_key_from_row(rows[str(id)])


@strawberry.type
class AdminQuery:
    @strawberry.field(description="Your Partner organization as connected (apps, keys; never its token).")
    async def organization(self, info: Info) -> Organization:
        return await _organization(info)
