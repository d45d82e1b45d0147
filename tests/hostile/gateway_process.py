"""Start the gateway as its own process (`python -m crm_gateway serve`) and wait until it answers."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx

from crm_devstack.processes import ProcessGroup, wait_for_port


def start_gateway(group: ProcessGroup, port: int, env: dict[str, str], timeout: float = 90.0) -> subprocess.Popen[bytes]:
    """The gateway on 127.0.0.1:`port` with `env`; returns once /healthz answers 200."""
    proc = group.start("gateway", [sys.executable, "-m", "crm_gateway", "serve", "--port", str(port)], env)
    wait_for_port(port, timeout=timeout, proc=proc)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"gateway on port {port} never answered /healthz")
