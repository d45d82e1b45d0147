"""The mutable state of one running simulator: data, faults, throttle and request log."""

from __future__ import annotations

import copy
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from partner_sim.config import SimConfig
from partner_sim.faults import Faults
from partner_sim.scenario import Scenario, validate_nodes
from partner_sim.store import Store
from partner_sim.throttle import Throttle

REQUEST_LOG_SIZE = 200_000


@dataclass
class SimState:
    """Everything ``/_admin`` can change; rebuilt from the scenario on reset."""

    scenario: Scenario
    config: SimConfig
    store: Store = field(init=False)
    faults: Faults = field(init=False)
    throttle: Throttle = field(init=False)
    #: the most recent requests (bounded, so a long-running demo does not grow without end)
    request_log: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=REQUEST_LOG_SIZE))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.store = Store.from_scenario(self.scenario)
        self.faults = Faults()
        self.configure(copy.deepcopy(self.config.faults))
        self.throttle = Throttle(self.config.rate, self.config.bucket_size)

    def reset(self) -> None:
        """Original data, configured faults, fresh buckets, empty log."""
        self.store = Store.from_scenario(self.scenario)
        self.faults.reset()
        self.configure(copy.deepcopy(self.config.faults))
        self.throttle.reset()
        self.request_log.clear()

    def configure(self, settings: dict[str, Any]) -> dict[str, int]:
        """Apply fault settings (see ``partner_sim.faults``) plus ``late_events`` (with
        ``visible_after``) and ``restate``; returns how many of each were applied.

        Raises ``FaultConfigError``/``ScenarioError``/``KeyError`` (unknown transaction id)."""
        settings = dict(settings)
        late = settings.pop("late_events", None) or []
        visible_after = settings.pop("visible_after", None)
        restate = settings.pop("restate", None) or []
        for node in late:
            if visible_after is not None:
                node["visibleAfter"] = visible_after
            validate_nodes(events=[node])
        self.faults.update(settings)
        for node in late:
            self.store.add_event(node)
        for change in restate:
            self.store.restate(change["id"], {k: v for k, v in change.items() if k != "id"})
        return {"late_events": len(late), "restated": len(restate)}

    def log(self, entry: dict[str, Any]) -> None:
        """Record one request (the log proves clients respect the rate limit)."""
        self.request_log.append(entry)
