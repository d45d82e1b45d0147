"""A point of an MRR series."""

from __future__ import annotations

from datetime import datetime

import strawberry

from crm_gateway.graphql.enums import TimelineEntryType
from crm_gateway.graphql.types.money import Money


@strawberry.type(description="MRR at a moment, with what caused the step (for a customer) or the bucket's "
                             "movements (for an app).")
class MrrPoint:
    at: datetime = strawberry.field(description="When this value starts (customer) or the bucket's last day (app).")
    mrr: Money = strawberry.field(description="MRR at that point, in one currency.")
    annotation: str | None = strawberry.field(description="The timeline entry or movements behind the value.")
    plan: str | None = strawberry.field(
        default=None, description="Customer history: the plan from this point on (null for app series).")
    kind: TimelineEntryType | None = strawberry.field(
        default=None, description="Customer history: the timeline entry type that caused this step (UPGRADED, "
                                  "DOWNGRADED, ...); null for the closing point and for app series.")
    closing: bool = strawberry.field(
        default=False, description="The closing point at now (mrrHistory(closeAtNow: true)), not a change.")
