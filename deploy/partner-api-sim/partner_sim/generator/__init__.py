"""Deterministic generator of a realistic Partner organization, with its ground truth.

``generate(seed, apps, shops, years, now)`` returns a ``GeneratedOrg`` whose
``scenario`` is a scenario document (deploy/partner-api-sim/README.md) and whose ``ground_truth`` lists, per
(app, shop), what the CRM must conclude as of ``now`` — taken from each
merchant's modelled life (``partner_sim.generator.life``), not from its events.

Same arguments → the same bytes (no wall clock, no hash-order dependence).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from partner_sim.gc_pause import gc_paused
from partner_sim.generator.org import build_org

__all__ = ["GeneratedOrg", "generate"]


@dataclass
class GeneratedOrg:
    """A generated scenario (§6 dict) and its ground truth (one dict per app and shop)."""

    scenario: dict[str, Any]
    ground_truth: list[dict[str, Any]]


def generate(
    seed: int,
    apps: int = 2,
    shops: int = 3000,
    years: float = 2.0,
    now: datetime | None = None,
    currencies: dict[str, float] | None = None,
    redacted_rate: float = 0.02,
    legacy_rate: float = 0.02,
) -> GeneratedOrg:
    """Generate an organization with ``apps`` apps and ``shops`` distinct shops over ``years`` before ``now``.

    ``currencies`` maps currency code → share of shops (default mostly USD, some
    EUR/GBP/CAD). ``legacy_rate`` of shops were installed in 2019–2020 (so some
    transactions predate September 2020 and carry ``chargeId: null``) even when
    ``years`` does not reach back that far."""
    with gc_paused():
        scenario, truth = build_org(seed=seed, n_apps=apps, n_shops=shops, years=years, now=now,
                                    currencies=currencies, redacted_rate=redacted_rate, legacy_rate=legacy_rate)
    return GeneratedOrg(scenario=scenario, ground_truth=truth)
