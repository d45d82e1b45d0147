"""A Partner API simulator holding an organization with three Partner API clients: one with every permission
the CRM needs, one without "View financials", one without "Manage apps"."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from partner_sim.config import SimConfig
from partner_sim.scenario import scenario_from_dict
from partner_sim.server import SimServer

SCENARIO = Path(__file__).parents[1] / "e2e" / "scenario_small.json"
ORG = "1234567"
APP = "gid://partners/App/101"
GOOD_TOKEN = "prtapi_good_0f1e2d3c4b5a69788796a5b4c3d2e1f0"
NO_FINANCIALS_TOKEN = "prtapi_nofin_5b4c3d2e1f00f1e2d3c4b5a697887"
NO_APPS_TOKEN = "prtapi_noapps_9788796a5b4c3d2e1f00f1e2d3c4b"
WRONG_TOKEN = "prtapi_wrong_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
UNKNOWN_APP = "gid://partners/App/999"


def scenario_dict() -> dict[str, Any]:
    """The small end-to-end scenario with the three API clients."""
    data = json.loads(SCENARIO.read_text())
    data["organization"] = {"id": ORG, "name": "Acme Apps", "accessToken": GOOD_TOKEN, "apiClients": [
        {"accessToken": NO_FINANCIALS_TOKEN, "permissions": ["MANAGE_APPS"]},
        {"accessToken": NO_APPS_TOKEN, "permissions": ["VIEW_FINANCIALS"]},
    ]}
    return data


@dataclass
class Sim:
    """The running simulator."""

    server: SimServer

    @property
    def url(self) -> str:
        return self.server.base_url

    def request_count(self) -> int:
        return len(self.server.app.state.sim.request_log)


@pytest.fixture(scope="module")
def sim() -> Iterator[Sim]:
    """The simulator (no throttling), for a whole test module."""
    with SimServer(scenario_from_dict(copy.deepcopy(scenario_dict())), SimConfig(throttle=False)) as server:
        yield Sim(server)
