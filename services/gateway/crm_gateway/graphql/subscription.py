"""The `Subscription` root: the live feed of customer events over graphql-transport-ws (docs/alerts.md).

`customerEvents(appId, types)` streams the app's events recorded from the moment of subscribing, in
delivery order.  The connection is authenticated like every request (an API key, in the upgrade request's
``Authorization`` header or in the ``connection_init`` payload as ``{"Authorization": "Bearer crm_..."}``,
checked in `http_view`), the app must be one of the key's organization (NOT_FOUND otherwise, exactly like a
missing app), and the key is checked again every `KEY_RECHECK_SECONDS`, so a revoked key's feed ends.

The feed polls `customer_events` (an indexed read per `POLL_SECONDS`) rather than a change stream, so it
works on every MongoDB deployment: it pages through what is new by (created_at, seq), then looks at the ids
of the last `LOOKBACK` of events, so an event whose write committed after a later one is still sent, once
(ids already sent are remembered for twice that long).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime, timedelta
from typing import Annotated

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from crm_gateway.auth import app_for_org
from crm_gateway.graphql.webhooks import CustomerEvent, CustomerEventType, event_from_doc
from crm_shared.errors import AuthenticationError, CrmError
from crm_shared.lease import wall_clock
from crm_shared.store import customer_events
from crm_shared.store.registry import key_access

POLL_SECONDS = 0.25
PAGE = 500
LOOKBACK = timedelta(seconds=10)
KEY_RECHECK_SECONDS = 30.0


def _coded(exc: CrmError) -> GraphQLError:
    return GraphQLError(str(exc), original_error=exc, extensions={"code": exc.code})


@strawberry.type(description="Live feeds (GraphQL over WebSocket, graphql-transport-ws).")
class Subscription:
    @strawberry.subscription(description="The app's customer events as they are recorded (from the moment of "
                                         "subscribing), optionally only some types.")
    async def customer_events(
        self, info: Info,
        app_id: Annotated[strawberry.ID, strawberry.argument(description="Partner app gid of one of your apps.")],
        types: Annotated[list[CustomerEventType] | None, strawberry.argument(  # type: ignore[valid-type]
            description="Only these types; omitted or empty: every type.")] = None,
    ) -> AsyncGenerator[CustomerEvent, None]:
        ctx = info.context
        try:
            if not getattr(ctx, "org_id", None) or getattr(ctx, "api_key", None) is None:
                raise AuthenticationError("missing API key: send Authorization: Bearer <key>")
            await app_for_org(ctx.db, ctx.org_id, str(app_id))
        except CrmError as exc:
            raise _coded(exc) from exc
        wanted = [t.value for t in types] if types else None
        start = wall_clock()
        cursor: tuple[datetime, str] = (start, "")  # (created_at, seq) of the last event read
        sent: dict[str, datetime] = {}
        loop = asyncio.get_running_loop()
        next_key_check = loop.time() + KEY_RECHECK_SECONDS
        while True:
            while True:  # what is new, page by page (a rebuilt batch's events share one created_at)
                page = await customer_events.feed_after(ctx.db, str(app_id), wanted, cursor, PAGE)
                for doc in page:
                    cursor = (doc["created_at"], doc["seq"])
                    if doc["_id"] not in sent:
                        sent[doc["_id"]] = doc["created_at"]
                        yield event_from_doc(dict(doc))
                if len(page) < PAGE:
                    break
            # events committed late (a writer that stamped them before another writer's later events)
            window = await customer_events.ids_between(ctx.db, str(app_id), wanted,
                                                       max(start, cursor[0] - LOOKBACK), cursor[0])
            late = [i for i in window if i not in sent]
            if late:
                found = await customer_events.by_ids(ctx.db, late)
                for doc in sorted(found.values(), key=lambda d: (d["created_at"], d["seq"])):
                    sent[doc["_id"]] = doc["created_at"]
                    yield event_from_doc(dict(doc))
            horizon = cursor[0] - 2 * LOOKBACK
            for key in [k for k, at in sent.items() if at < horizon]:
                del sent[key]
            if loop.time() >= next_key_check:
                next_key_check = loop.time() + KEY_RECHECK_SECONDS
                if await key_access(ctx.db, ctx.api_key) is None:
                    raise _coded(AuthenticationError("the API key was revoked"))
            await asyncio.sleep(POLL_SECONDS)
