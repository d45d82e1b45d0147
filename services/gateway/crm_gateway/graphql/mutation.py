"""The `Mutation` root: small state writes and messages, never derived data."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from crm_gateway.graphql.admin_mutation import AdminMutation
from crm_gateway.graphql.inputs import CustomerFilterInput, ShopProfileInput, filter_to_dict
from crm_gateway.graphql.types.segment import Segment
from crm_gateway.graphql.types.sync_status import SyncStatus, sync_status_from_doc
from crm_gateway.graphql.webhooks import WebhookMutation
from crm_shared.store import sync_state

AppIdArg = Annotated[strawberry.ID, strawberry.argument(description="Partner app gid of one of your apps.")]


@strawberry.type(description="Change state: trigger syncs, report shop facts, save segments, connect the "
                             "organization, manage API keys and webhook endpoints. Every mutation needs a "
                             "full-access key.")
class Mutation(AdminMutation, WebhookMutation):
    @strawberry.mutation(description=(
        "Queue a sync of the app; returns at once with state QUEUED, or RUNNING when a sync of the app is running "
        "(the request then runs when that one has finished)."))
    async def trigger_sync(
        self, info: Info, app_id: AppIdArg,
        full: Annotated[bool, strawberry.argument(
            description="true: backfill the full history; false: incremental since the watermark.")] = False,
    ) -> SyncStatus:
        from crm_gateway.graphql.resolvers.sync import trigger_sync

        ctx = info.context
        await ctx.app_strict(str(app_id))
        await trigger_sync(ctx, str(app_id), full)
        return sync_status_from_doc(await sync_state.load(ctx.db, str(app_id)))

    @strawberry.mutation(description="Report facts your app knows about shops (email, country, Shopify plan, last "
                                     "activity); queued for ingestion, returns how many were accepted.")
    async def report_shop_profiles(
        self, info: Info, app_id: AppIdArg,
        profiles: Annotated[list[ShopProfileInput], strawberry.argument(
            description="At most 1000 profiles per call.")],
    ) -> int:
        from crm_gateway.graphql.resolvers.sync import report_shop_profiles

        await info.context.app_strict(str(app_id))
        return await report_shop_profiles(info.context, str(app_id), profiles)

    @strawberry.mutation(description="Save (or replace) a named filter as segment saved:<slug of name>.")
    async def save_segment(
        self, info: Info, app_id: AppIdArg,
        name: Annotated[str, strawberry.argument(description="Display name, 1-80 characters.")],
        filter: Annotated[CustomerFilterInput, strawberry.argument(description="The segment's filter.")],
    ) -> Segment:
        from crm_gateway.graphql.resolvers.segments import save_segment

        await info.context.app_strict(str(app_id))
        return await save_segment(info.context, str(app_id), name, filter_to_dict(filter))

    @strawberry.mutation(description="Delete a saved segment; false when there was none.")
    async def delete_segment(
        self, info: Info, app_id: AppIdArg,
        key: Annotated[str, strawberry.argument(description="saved:<slug>.")],
    ) -> bool:
        from crm_gateway.graphql.resolvers.segments import delete_segment

        await info.context.app_strict(str(app_id))
        return await delete_segment(info.context, str(app_id), key)
