"""Timeline entries and their connection."""

from __future__ import annotations

from datetime import datetime

import strawberry

from crm_gateway.graphql.enums import TimelineEntryType
from crm_gateway.graphql.types.money import Money
from crm_gateway.graphql.types.page_info import PageInfo


@strawberry.type(description="One thing that happened to a customer, oldest first.")
class TimelineEntry:
    type: TimelineEntryType = strawberry.field(description="What happened.")
    occurred_at: datetime = strawberry.field(description="When.")
    plan: str | None = strawberry.field(description="Plan name at that moment.")
    mrr_before: Money | None = strawberry.field(description="MRR just before.")
    mrr_after: Money | None = strawberry.field(description="MRR just after.")
    charge_id: strawberry.ID | None = strawberry.field(description="The charge involved, if any.")
    detail: str | None = strawberry.field(description="Extra words, e.g. an uninstall reason.")


@strawberry.type(description="An edge of a timeline connection.")
class TimelineEdge:
    node: TimelineEntry = strawberry.field(description="The entry.")
    cursor: str = strawberry.field(description="Opaque cursor of this entry.")


@strawberry.type(description="A page of timeline entries.")
class TimelineConnection:
    edges: list[TimelineEdge] = strawberry.field(description="Entries of this page.")
    page_info: PageInfo = strawberry.field(description="Relay page info.")
    total_count: int = strawberry.field(description="Entries matching the type filter.")
