"""Time and charge vocabulary of the life model: cycles, bill dates, payout batches."""

from __future__ import annotations

import calendar
import random
import time
from dataclasses import dataclass
from decimal import Decimal

from partner_sim.generator.catalog import Plan

DAY = 86400
HOUR = 3600
MONTH_CYCLE = 30 * DAY
YEAR_CYCLE = 365 * DAY
ZERO = Decimal("0")


def ceil_midnight(ts: int) -> int:
    """The first midnight (UTC) at or after ``ts``."""
    return -(-ts // DAY) * DAY


def payout_batch(ts: int, rng: random.Random) -> int:
    """When a sale billed at ``ts`` enters a payout batch: the next 1st or 16th, plus up to 5 days (≤ 3 weeks)."""
    year, month, mday = time.gmtime(ts)[:3]
    if mday < 16:
        batch = calendar.timegm((year, month, 16, 0, 0, 0))
    else:
        batch = calendar.timegm((year + month // 12, month % 12 + 1, 1, 0, 0, 0))
    return batch + rng.randint(0, 5) * DAY + rng.randint(0, 6 * HOUR)


@dataclass
class SubCharge:
    """A subscription charge as the model knows it."""

    id: str
    plan: Plan
    currency: str
    test: bool
    activated_at: int
    next_bill: int
    trial_end: int | None = None
    frozen: bool = False

    @property
    def cycle(self) -> int:
        """Seconds per billing cycle."""
        return YEAR_CYCLE if self.plan.annual else MONTH_CYCLE

    @property
    def interval(self) -> str:
        """The Partner API billing interval."""
        return "ANNUAL" if self.plan.annual else "EVERY_30_DAYS"
