"""The ground truth of one (app, shop): what the CRM must conclude as of ``now``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from partner_sim.generator.nodes import iso


@dataclass
class Expectation:
    """What the CRM must say about this (app, shop) as of ``now``."""

    app_id: str
    shop_id: str
    status: str
    plan: str
    mrr: Decimal
    currency: str
    lifetime_value: Decimal
    lifetime_net: Decimal
    lifetime_by_currency: dict[str, tuple[Decimal, Decimal]]
    is_test: bool
    billing_interval: str | None
    installed_at: int
    uninstalled_at: int | None
    trial_ends_at: int | None
    customer_since: int | None
    days_as_customer: int | None = None
    cancelled_entries: int = 0  # CANCELLED timeline entries (a cancel within 60 s of an uninstall makes none)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (money as exact strings, times as ISO)."""
        return {
            "app_id": self.app_id, "shop_id": self.shop_id, "status": self.status, "plan": self.plan,
            "mrr": f"{self.mrr:.2f}", "currency": self.currency,
            "lifetime_value": f"{self.lifetime_value:.2f}", "lifetime_net": f"{self.lifetime_net:.2f}",
            "lifetime_by_currency": [{"currency": c, "gross": f"{g:.2f}", "net": f"{n:.2f}"}
                                     for c, (g, n) in sorted(self.lifetime_by_currency.items())],
            "is_test": self.is_test, "billing_interval": self.billing_interval,
            "installed_at": iso(self.installed_at),
            "uninstalled_at": iso(self.uninstalled_at) if self.uninstalled_at is not None else None,
            "trial_ends_at": iso(self.trial_ends_at) if self.trial_ends_at is not None else None,
            "customer_since": iso(self.customer_since) if self.customer_since is not None else None,
            "days_as_customer": self.days_as_customer, "cancelled_entries": self.cancelled_entries,
        }
