"""``python -m crm_devstack.watchdog LAUNCHER_PID``: the leader of a stack's process group.

Started first by `ProcessGroup`, in a process group of its own that every
other process of the stack joins.  It ignores SIGTERM and SIGINT (the group
stays while the launcher stops it; the launcher's final SIGKILL ends it) and
watches its parent: when the launcher dies without stopping the stack (kill
-9, a crash), the watchdog is re-parented, and it stops the whole group:
SIGTERM, then SIGKILL after a grace period (which ends the watchdog too).
"""

from __future__ import annotations

import os
import signal
import sys
import time

from crm_devstack.proc_table import group_members

POLL_SECONDS = 0.5
GRACE_SECONDS = 10.0


def watch(launcher_pid: int) -> None:
    """Return when the launcher is gone (this process was re-parented)."""
    while os.getppid() == launcher_pid:
        time.sleep(POLL_SECONDS)


def stop_group() -> None:
    """SIGTERM every other member of this group, SIGKILL the group after the grace period."""
    me, pgid = os.getpid(), os.getpgrp()
    os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    while time.monotonic() < deadline and [p for p in group_members(pgid) if p != me]:
        time.sleep(0.1)
    os.killpg(pgid, signal.SIGKILL)


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    launcher = int(argv[0])
    watch(launcher)
    print(f"launcher {launcher} is gone: stopping every process of its stack", flush=True)
    stop_group()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
