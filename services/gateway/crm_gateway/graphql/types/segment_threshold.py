"""The live thresholds of a pre-built segment."""

from __future__ import annotations

import strawberry

from crm_gateway.graphql.types.money import Money


@strawberry.type(description="A threshold a pre-built segment uses now, in one currency (the analytics worker's "
                             "last run): a percentile of the MRR of the app's non-test ACTIVE customers.")
class SegmentThreshold:
    currency_code: str = strawberry.field(description="ISO 4217 code.")
    percentile: int = strawberry.field(description="80 (VIP's floor, GROWTH's ceiling) or 20 (GROWTH's floor).")
    mrr: Money = strawberry.field(description="The percentile's MRR (linear interpolation).")
    inclusive: bool = strawberry.field(description="MRR at this value is inside the segment (at or above a floor) "
                                                   "or not (below a ceiling).")
    bound: str = strawberry.field(description="MIN (a floor: MRR at or above) or MAX (a ceiling: MRR below).")
    population: int = strawberry.field(description="ACTIVE customers the percentile is taken over.")
