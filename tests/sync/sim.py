"""The Partner API simulator served by uvicorn on a free port, in a background thread."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

from crm_devstack.processes import free_port
from partner_sim.app import create_app
from partner_sim.config import SimConfig
from partner_sim.scenario import scenario_from_dict


class RunningSimulator:
    """Handle on a running simulator: its URL and admin endpoints."""

    def __init__(self, url: str, app: Any) -> None:
        self.url = url
        self.app = app

    def admin(self, path: str, body: dict[str, Any] | None = None) -> Any:
        if body is None:
            resp = httpx.get(f"{self.url}/_admin/{path}", timeout=30)
        else:
            resp = httpx.post(f"{self.url}/_admin/{path}", json=body, timeout=30)
        resp.raise_for_status()
        return resp.json()

    def requests(self) -> list[dict[str, Any]]:
        return self.admin("requests")  # type: ignore[no-any-return]


@contextmanager
def running_simulator(scenario: dict[str, Any], throttle: bool = False,
                      rate: float = 4.0) -> Iterator[RunningSimulator]:
    """Serve `scenario` over HTTP until the block ends."""
    app = create_app(scenario_from_dict(copy.deepcopy(scenario)), SimConfig(throttle=throttle, rate=rate))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("simulator did not start")
        time.sleep(0.02)
    try:
        yield RunningSimulator(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
