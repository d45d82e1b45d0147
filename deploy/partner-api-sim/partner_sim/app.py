"""The ASGI application: ``create_app(scenario, config) -> Starlette``."""

from __future__ import annotations

import time
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from partner_sim import admin
from partner_sim.config import SimConfig
from partner_sim.graphql_endpoint import TOKEN_HEADER, handle_graphql
from partner_sim.scenario import Scenario
from partner_sim.state import SimState


class SimulatorApp(Starlette):
    """Starlette plus the one fault Starlette cannot express: a dropped connection."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/graphql.json") and self._drop(scope, send):
            return
        await super().__call__(scope, receive, send)

    def _drop(self, scope: Scope, send: Send) -> bool:
        state: SimState = self.state.sim
        if not state.faults.roll(state.faults.drop_rate):
            return False
        cycle: Any = getattr(send, "__self__", None)  # uvicorn's RequestResponseCycle
        transport = getattr(cycle, "transport", None)
        if transport is None:
            return False  # not under uvicorn (e.g. an in-memory test client): serve normally
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        state.log({"t": time.time(), "token": headers.get(TOKEN_HEADER.lower(), ""), "status": 0,
                   "throttled": False, "dropped": True})
        cycle.disconnected = True
        transport.close()
        return True


def create_app(scenario: Scenario, config: SimConfig | None = None) -> Starlette:
    """A Starlette app serving ``scenario`` (``app.state.sim`` holds the live state)."""
    config = config or SimConfig.from_env()
    routes = [
        Route("/{organization_id}/api/{version}/graphql.json", handle_graphql, methods=["POST"]),
        Route("/_admin/faults", admin.post_faults, methods=["POST"]),
        Route("/_admin/append", admin.post_append, methods=["POST"]),
        Route("/_admin/reset", admin.post_reset, methods=["POST"]),
        Route("/_admin/requests", admin.get_requests, methods=["GET"]),
        Route("/_admin/healthz", admin.get_healthz, methods=["GET"]),
    ]
    app = SimulatorApp(routes=routes)
    app.state.sim = SimState(scenario=scenario, config=config)
    return app
