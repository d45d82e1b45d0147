"""The `Query` root."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from crm_gateway.graphql.admin_mutation import AdminQuery
from crm_gateway.graphql.types.app import App
from crm_gateway.graphql.types.customer import Customer
from crm_gateway.graphql.types.node import Node, parse_global_id
from crm_gateway.graphql.webhooks import WebhookQuery
from crm_shared.store.registry import apps_of


@strawberry.type(description="Read the customers of your organization's apps.")
class Query(AdminQuery, WebhookQuery):
    @strawberry.field(description="The clock the API reads data at (UTC): the real time, or CRM_NOW when the "
                                  "deployment's clock is frozen. \"Last 30 days\" and \"today\" count from it.")
    def now(self, info: Info) -> datetime:
        return info.context.now

    @strawberry.field(description="Every app of your organization.")
    async def apps(self, info: Info) -> list[App]:
        ctx = info.context
        docs = [dict(d) for d in await apps_of(ctx.db, ctx.org_id)]
        for d in docs:
            ctx.loaders.apps.prime(d["_id"], d)
        return [App(doc=d) for d in docs]

    @strawberry.field(description="One app by its Partner gid (null when it is not one of yours).")
    async def app(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="Partner app gid, e.g. gid://partners/App/101.")]) -> App | None:
        doc = await info.context.loaders.apps.load(str(id))
        return App(doc=doc) if doc else None

    @strawberry.field(description="Any object by global id (App gid or Customer id); null when not visible to you.")
    async def node(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="A global id.")]) -> Node | None:
        kind, key = parse_global_id(str(id))
        ctx = info.context
        if kind == "App":
            doc = await ctx.loaders.apps.load(key)
            return App(doc=doc) if doc else None
        app_id = key.split("|", 1)[0]
        if await ctx.loaders.apps.load(app_id) is None:
            return None
        customer = await ctx.loaders.customers.load(key)
        return Customer.from_doc(customer) if customer else None
