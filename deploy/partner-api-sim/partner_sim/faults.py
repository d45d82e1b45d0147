"""Injected faults, configured per run (``PARTNER_SIM_FAULTS`` or ``POST /_admin/faults``).

Fields (all optional; unknown keys are rejected):
    error_rate            fraction of requests answered 500 with a request id
    throttle_in_200_rate  fraction of throttled requests answered as HTTP 200 (same body)
    slow_ms               added latency in milliseconds …
    slow_rate             … for this fraction of requests (default 1.0)
    drop_rate             fraction of requests whose connection is closed without a response
    storm_429_requests    the next N requests are throttled whatever the bucket says
    seed                  seed of the fault dice (deterministic runs)
Late events and restatements are not faults kept here: the admin endpoint
applies them to the store directly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, fields
from typing import Any


class FaultConfigError(ValueError):
    """An invalid fault configuration."""


@dataclass
class Faults:
    """The current fault settings and the dice that apply them."""

    error_rate: float = 0.0
    throttle_in_200_rate: float = 0.0
    slow_ms: float = 0.0
    slow_rate: float = 1.0
    drop_rate: float = 0.0
    storm_429_requests: int = 0
    seed: int | None = None
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    RATES = ("error_rate", "throttle_in_200_rate", "slow_rate", "drop_rate")

    def update(self, settings: dict[str, Any]) -> None:
        """Apply a partial configuration (validated)."""
        known = {f.name for f in fields(self) if not f.name.startswith("_")}
        unknown = set(settings) - known
        if unknown:
            raise FaultConfigError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        for name, value in settings.items():
            if name in self.RATES:
                value = float(value)
                if not 0.0 <= value <= 1.0:
                    raise FaultConfigError(f"{name} must be between 0 and 1")
            elif name == "slow_ms":
                value = float(value)
                if value < 0:
                    raise FaultConfigError("slow_ms must be >= 0")
            elif name == "storm_429_requests":
                value = int(value)
                if value < 0:
                    raise FaultConfigError("storm_429_requests must be >= 0")
            elif name == "seed" and value is not None:
                value = int(value)
                self._rng.seed(value)
            setattr(self, name, value)

    def reset(self) -> None:
        """Back to no faults."""
        for f in fields(self):
            if not f.name.startswith("_"):
                setattr(self, f.name, f.default)
        self._rng = random.Random()

    def roll(self, rate: float) -> bool:
        """True with probability ``rate``."""
        return rate > 0.0 and (rate >= 1.0 or self._rng.random() < rate)

    def take_storm(self) -> bool:
        """Consume one request of a 429 storm."""
        if self.storm_429_requests > 0:
            self.storm_429_requests -= 1
            return True
        return False

    def as_dict(self) -> dict[str, Any]:
        """The public settings."""
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}
