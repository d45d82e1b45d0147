"""Simulator configuration: an explicit object, built from the one settings object at the edge.

Variables (`crm_shared.settings`): PARTNER_SIM_THROTTLE, PARTNER_SIM_RATE,
PARTNER_SIM_VERSIONS, PARTNER_SIM_PAGE_MAX (larger ``first``/``last`` are
clamped), PARTNER_SIM_FAULTS (JSON, the body of ``POST /_admin/faults``) and
CRM_NOW (the clock for 2026-07 default windows; else the scenario's ``now``,
else real time).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crm_shared.settings import Settings, get_settings

DEFAULT_VERSIONS: tuple[str, ...] = ("2025-10", "2026-01", "2026-04", "2026-07")
#: Versions whose schema carries the 2026-07 additions (root ``events``, ``activeSubscription``).
ADDITIONS_FROM = "2026-07"


@dataclass
class SimConfig:
    """Everything the simulator needs besides its data."""

    versions: tuple[str, ...] = DEFAULT_VERSIONS
    throttle: bool = True
    rate: float = 4.0
    burst: float | None = None
    page_max: int = 100
    now: datetime | None = None
    faults: dict[str, Any] = field(default_factory=dict)

    @property
    def bucket_size(self) -> float:
        """Token bucket capacity (defaults to one second's worth of requests)."""
        return self.burst if self.burst is not None else self.rate

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SimConfig:
        """The configuration of the process's settings, or of the variables in `env` (see module docstring)."""
        settings = get_settings() if env is None else Settings(**env)
        versions = tuple(v.strip() for v in settings.partner_sim_versions.split(",") if v.strip())
        return cls(
            versions=versions or DEFAULT_VERSIONS,
            throttle=settings.partner_sim_throttle,
            rate=settings.partner_sim_rate,
            page_max=settings.partner_sim_page_max,
            now=settings.now_override,
            faults=json.loads(settings.partner_sim_faults) if settings.partner_sim_faults else {},
        )
