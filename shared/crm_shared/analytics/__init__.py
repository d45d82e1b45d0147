"""App-level analytics (pure): percentiles, built-in segments, MRR movements,
daily snapshots, retention and cohorts, computed from customer documents.

No I/O and no clock: the caller passes `now`.  Inputs are customer documents
with Python values (`Decimal` money), as `crm_shared.customer.codec.from_mongo`
returns them.
"""

from crm_shared.analytics.cohorts import InstallCohort, PaidCohort, install_cohorts, paid_cohorts
from crm_shared.analytics.movements import KINDS, Movement, MovementTotals, customer_movements, daily_movements
from crm_shared.analytics.percentiles import Thresholds, linear_percentile, percentile_thresholds
from crm_shared.analytics.retention import Retention, average_lifetime_days, retention
from crm_shared.analytics.segments import (
    AT_RISK,
    BUILT_IN_DEFINITIONS,
    BUILT_IN_KEYS,
    BUILT_IN_NAMES,
    GROWTH,
    NEW,
    VIP,
    SegmentContext,
    built_in_segments,
    segment_context,
)
from crm_shared.analytics.snapshots import DailySnapshot, daily_snapshots
from crm_shared.analytics.summary import AppComputation, compute_app

__all__ = [
    "AT_RISK", "BUILT_IN_DEFINITIONS", "BUILT_IN_KEYS", "BUILT_IN_NAMES", "GROWTH", "KINDS", "NEW", "VIP",
    "AppComputation", "DailySnapshot", "InstallCohort", "Movement", "MovementTotals", "PaidCohort", "Retention",
    "SegmentContext", "Thresholds", "average_lifetime_days", "built_in_segments", "compute_app",
    "customer_movements", "daily_movements", "daily_snapshots", "install_cohorts", "linear_percentile",
    "paid_cohorts", "percentile_thresholds", "retention", "segment_context",
]
