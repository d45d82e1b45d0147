"""Run the simulator under uvicorn: in the foreground (CLI) or in a background thread (tests).

    with SimServer(scenario, SimConfig(throttle=False)) as sim:
        httpx.post(sim.graphql_url("2026-04"), ...)
"""

from __future__ import annotations

import threading
import time
from types import TracebackType

import uvicorn
from starlette.applications import Starlette

from partner_sim.app import create_app
from partner_sim.config import SimConfig
from partner_sim.scenario import Scenario


def serve(app: Starlette, host: str, port: int, log_level: str = "warning") -> None:
    """Serve ``app`` until interrupted."""
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False, lifespan="off")


class SimServer:
    """A simulator on a free port in a daemon thread (with its own event loop)."""

    def __init__(self, scenario: Scenario, config: SimConfig | None = None, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        from crm_devstack.processes import free_port

        self.scenario = scenario
        self.app = create_app(scenario, config or SimConfig.from_env())
        self.host = host
        self.port = port or free_port()
        self._server = uvicorn.Server(uvicorn.Config(self.app, host=host, port=self.port, log_level="warning",
                                                     access_log=False, lifespan="off"))
        self._thread = threading.Thread(target=self._server.run, name=f"partner-sim-{self.port}", daemon=True)

    @property
    def base_url(self) -> str:
        """``http://host:port`` (what ``PARTNER_API_URL`` should be)."""
        return f"http://{self.host}:{self.port}"

    def graphql_url(self, version: str = "2026-04") -> str:
        """The Partner API endpoint of the scenario's organization at ``version``."""
        return f"{self.base_url}/{self.scenario.organization_id}/api/{version}/graphql.json"

    def start(self) -> SimServer:
        """Start serving; returns once the port accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + 60
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the simulator did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._server.should_exit = True
        self._thread.join(timeout=30)

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
