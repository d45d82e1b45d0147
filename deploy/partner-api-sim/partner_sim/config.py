"""Simulator configuration: an explicit object, read from the environment only at the edge.

Environment variables (all optional):
    PARTNER_SIM_THROTTLE   "1" (default) enforces the per-token bucket; "0" disables it
    PARTNER_SIM_RATE       requests per second per access token (default 4)
    PARTNER_SIM_VERSIONS   comma-separated supported versions (default 2025-10,2026-01,2026-04,2026-07)
    PARTNER_SIM_PAGE_MAX   largest page served; larger ``first``/``last`` are clamped (default 100)
    PARTNER_SIM_FAULTS     JSON object, the same as the body of ``POST /_admin/faults``
    CRM_NOW                the clock for 2026-07 default windows (else the scenario's ``now``, else real time)
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crm_shared.clock import parse_iso

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
        """Build the configuration from environment variables (see module docstring)."""
        env = os.environ if env is None else env
        versions = tuple(v.strip() for v in env.get("PARTNER_SIM_VERSIONS", "").split(",") if v.strip())
        now_raw = env.get("CRM_NOW", "")
        return cls(
            versions=versions or DEFAULT_VERSIONS,
            throttle=env.get("PARTNER_SIM_THROTTLE", "1").strip().lower() not in ("0", "false", "no", "off"),
            rate=float(env.get("PARTNER_SIM_RATE", "4") or 4),
            page_max=int(env.get("PARTNER_SIM_PAGE_MAX", "100") or 100),
            now=parse_iso(now_raw) if now_raw else None,
            faults=json.loads(env["PARTNER_SIM_FAULTS"]) if env.get("PARTNER_SIM_FAULTS") else {},
        )
