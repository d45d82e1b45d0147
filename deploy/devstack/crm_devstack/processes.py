"""Start and stop local child processes: one process group per stack, killed as a group.

`ProcessGroup` puts every process it starts in one process group.  Its leader
is a small watchdog (`crm_devstack.watchdog`) that lives as long as the stack:
it keeps the group alive while parts are stopped and restarted, and when the
launcher dies without stopping the stack (kill -9, a crash) it stops the whole
group itself.  `stop()` sends SIGTERM to the group, SIGKILL to whatever is left
after the timeout, and returns the processes of the stack still alive after
that (none, unless something escaped the group); tests assert it is empty.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from crm_devstack.proc_table import alive, descendants, group_members


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts connections on `port` now."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for_port(port: int, host: str = "127.0.0.1", timeout: float = 30.0,
                  proc: subprocess.Popen[bytes] | None = None) -> None:
    """Block until something accepts connections on `port`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process {proc.args!r} exited with {proc.returncode} before opening port {port}")
        if port_in_use(port, host):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout}s")


def venv_bin(name: str) -> str:
    """Path of an executable installed beside the running interpreter."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else (shutil.which(name) or name)


@dataclass
class ProcessGroup:
    """Child processes started together in one process group and stopped together."""

    log_dir: Path
    procs: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)
    leader: subprocess.Popen[bytes] | None = None

    @property
    def pgid(self) -> int | None:
        """The process group id of the stack (the watchdog's pid), once something was started."""
        return self.leader.pid if self.leader is not None else None

    def _ensure_leader(self) -> int:
        if self.leader is None or self.leader.poll() is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            with open(self.log_dir / "watchdog.log", "ab") as log:
                self.leader = subprocess.Popen(
                    [sys.executable, "-m", "crm_devstack.watchdog", str(os.getpid())],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, process_group=0,
                )
        return self.leader.pid

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        """Start `argv` in the stack's group, its output appended to ``<log_dir>/<name>.log``."""
        pgid = self._ensure_leader()
        with open(self.log_dir / f"{name}.log", "ab") as log:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    env={**os.environ, "CRM_PARENT_PID": str(os.getpid()), **(env or {})},
                                    process_group=pgid)
        self.procs.append((name, proc))
        return proc

    def stop_one(self, name: str, sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:
        """Stop the part started as `name` with `sig` (SIGKILL after `timeout`); the rest keeps running."""
        entry = next((n, p) for n, p in self.procs if n == name)
        proc = entry[1]
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
        self.procs.remove(entry)

    def members(self) -> list[int]:
        """Pids of every live process of the stack: its group and anything its processes started."""
        if self.pgid is None:
            return []
        pids = set(group_members(self.pgid))
        for pid in list(pids) + [p.pid for _n, p in self.procs]:
            pids.update(descendants(pid))
        return sorted(pid for pid in pids if alive(pid))

    def stop(self, timeout: float = 15.0) -> list[int]:
        """Stop every process of the stack; returns the pids still alive afterwards (normally none)."""
        if self.pgid is None:
            return []
        pgid = self.pgid
        tracked = set(self.members())
        _signal_group(pgid, signal.SIGTERM)  # the watchdog ignores it and keeps the group until the end
        deadline = time.monotonic() + timeout
        for _name, proc in self.procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        tracked.update(self.members())
        _signal_group(pgid, signal.SIGKILL)
        for pid in tracked:
            _kill(pid, signal.SIGKILL)
        for _name, proc in self.procs:
            proc.wait()
        assert self.leader is not None
        self.leader.wait()
        self.procs.clear()
        self.leader = None
        end = time.monotonic() + 10.0
        while time.monotonic() < end and any(alive(pid) for pid in tracked):
            time.sleep(0.05)
        return sorted(pid for pid in tracked if alive(pid))


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _kill(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def start_secantus(group: ProcessGroup, port: int, storage: str = ":memory:") -> str:
    """Start SecantusDB on `port`; returns its MONGODB_URI."""
    if storage != ":memory:":
        Path(storage).mkdir(parents=True, exist_ok=True)
    proc = group.start(
        "secantusdb",
        [venv_bin("secantusd-py"), "--host", "127.0.0.1", "--port", str(port), "--storage-path", storage],
    )
    wait_for_port(port, timeout=60, proc=proc)
    return f"mongodb://127.0.0.1:{port}/?directConnection=true"


def start_redis(group: ProcessGroup, port: int, data_dir: Path | None = None) -> str:
    """Start a private redis-server on `port`; returns its REDIS_URL."""
    exe = shutil.which("redis-server")
    if exe is None:
        raise RuntimeError("redis-server is not installed (make install-redis installs it)")
    argv = [exe, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        argv += ["--dir", str(data_dir)]
    proc = group.start(f"redis-{port}", argv)
    wait_for_port(port, proc=proc)
    return f"redis://127.0.0.1:{port}/0"


def wait_until_ready(url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Block until GET `url` answers 200 (a readiness endpoint)."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process {proc.args!r} exited with {proc.returncode} before {url} was ready")
        try:
            response = httpx.get(url, timeout=5)
            if response.status_code == 200:
                return
            last = f"HTTP {response.status_code}: {response.text[:200]}"
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready after {timeout}s; last answer: {last}")


def start_gateway(group: ProcessGroup, port: int, env: dict[str, str], timeout: float = 120.0,
                  name: str = "gateway") -> subprocess.Popen[bytes]:
    """`python -m crm_gateway serve` on 127.0.0.1:`port`; returns once its /readyz answers 200.

    The one way the launcher, the tests and the benchmarks start a gateway process."""
    proc = group.start(name, [sys.executable, "-m", "crm_gateway", "serve", "--port", str(port)],
                       {**env, "GATEWAY_PORT": str(port)})
    wait_until_ready(f"http://127.0.0.1:{port}/readyz", timeout, proc)
    return proc
