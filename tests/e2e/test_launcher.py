"""`python -m crm_devstack run` as a user runs it (`make run`): Ctrl-C and a killed launcher leave no process
behind, and a second stack on a data folder in use refuses at once, saying who holds it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from crm_devstack.proc_table import alive, descendants, group_members
from crm_devstack.processes import free_port
from tests.waiting import wait_for

pytestmark = pytest.mark.e2e

SCENARIO = Path(__file__).with_name("scenario_small.json")


@dataclass
class Launcher:
    """A launcher process, its output as it arrives, and its data folder."""

    proc: subprocess.Popen[str]
    data_dir: Path
    lines: list[str] = field(default_factory=list)

    def output(self) -> str:
        return "".join(self.lines)

    def stack_pids(self) -> set[int]:
        """Every process of the stack now: the group named in the lock file and the launcher's descendants."""
        holder = json.loads((self.data_dir / "stack.lock").read_text())
        return set(group_members(int(holder["pgid"]))) | set(descendants(self.proc.pid))


def launch(data_dir: Path) -> Launcher:
    """Start the launcher in its own session (as a terminal's foreground job) on a fresh environment."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MONGODB_URI", "MONGODB_DB", "REDIS_URL", "PARTNER_API_URL", "CRM_NOW")}
    env.update({"CRM_DATA_DIR": str(data_dir), "PARTNER_SIM_SCENARIO": str(SCENARIO),
                "GATEWAY_PORT": str(free_port()), "PARTNER_SIM_PORT": str(free_port()), "PYTHONUNBUFFERED": "1"})
    proc = subprocess.Popen([sys.executable, "-m", "crm_devstack", "run"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    launcher = Launcher(proc, data_dir)

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            launcher.lines.append(line)

    threading.Thread(target=read, daemon=True).start()
    return launcher


def wait_until_up(launcher: Launcher) -> None:
    def up() -> bool:
        assert launcher.proc.poll() is None, f"launcher exited: {launcher.output()}"
        return "CRM is up" in launcher.output()

    wait_for("the stack to start", up, timeout=240)


def wait_until_gone(pids: set[int], launcher: Launcher) -> None:
    try:
        wait_for("every process of the stack to end", lambda: not [p for p in pids if alive(p)], timeout=60)
    except AssertionError as exc:
        raise AssertionError(f"survivors: {[p for p in pids if alive(p)]}; launcher said: {launcher.output()}") from exc


@pytest.fixture
def launchers() -> Iterator[list[Launcher]]:
    """Launchers started by a test; any still running at the end are killed with their stacks."""
    started: list[Launcher] = []
    yield started
    for launcher in started:
        if launcher.proc.poll() is None:
            os.killpg(launcher.proc.pid, signal.SIGINT)
            launcher.proc.wait(60)


def test_ctrl_c_stops_every_process_and_a_second_stack_on_the_folder_refuses(
        tmp_path: Path, launchers: list[Launcher]) -> None:
    first = launch(tmp_path / "data")
    launchers.append(first)
    wait_until_up(first)
    pids = first.stack_pids()
    assert len(pids) >= 7, pids  # watchdog, SecantusDB, Redis, simulator, two workers, two schedulers, gateway

    second = launch(tmp_path / "data")
    launchers.append(second)
    assert second.proc.wait(30) == 2
    said = second.output()
    assert f"launcher pid {first.proc.pid}" in said and "CRM_DATA_DIR=" in said and f"kill {first.proc.pid}" in said
    assert first.proc.poll() is None, "the refused launcher disturbed the running stack"

    os.killpg(first.proc.pid, signal.SIGINT)  # what Ctrl-C in its terminal does
    assert first.proc.wait(60) == 0
    assert "stopped." in first.output()
    wait_until_gone(pids, first)


def test_a_killed_launcher_leaves_no_process(tmp_path: Path, launchers: list[Launcher]) -> None:
    launcher = launch(tmp_path / "data")
    launchers.append(launcher)
    wait_until_up(launcher)
    pids = launcher.stack_pids()
    launcher.proc.kill()
    launcher.proc.wait(10)
    wait_until_gone(pids - {launcher.proc.pid}, launcher)
