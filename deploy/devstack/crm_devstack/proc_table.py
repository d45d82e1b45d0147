"""Which processes exist, read from Linux's ``/proc`` (zombies count as gone).

Elsewhere (no ``/proc``) only signal 0 is available: a group or process that
can be signalled counts as alive, and descendants are unknown.
"""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, process group) of `pid`, or None when it does not exist."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = text[text.rindex(")") + 2:].split()  # the command name may hold spaces and parentheses
    return fields[0], int(fields[1]), int(fields[2])


def _all_pids() -> list[int]:
    return [int(p.name) for p in PROC.iterdir() if p.name.isdigit()]


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, dead but not yet reaped, does not)."""
    if PROC.is_dir():
        stat = _stat(pid)
        return stat is not None and stat[0] not in ("Z", "X")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def group_members(pgid: int) -> list[int]:
    """Live processes of process group `pgid`."""
    if not PROC.is_dir():
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return []
        return [pgid]
    out = []
    for pid in _all_pids():
        stat = _stat(pid)
        if stat is not None and stat[2] == pgid and stat[0] not in ("Z", "X"):
            out.append(pid)
    return out


def descendants(pid: int) -> list[int]:
    """Live children of `pid`, their children and so on (whatever process group they moved to)."""
    if not PROC.is_dir():
        return []
    children: dict[int, list[int]] = {}
    for p in _all_pids():
        stat = _stat(p)
        if stat is not None and stat[0] not in ("Z", "X"):
            children.setdefault(stat[1], []).append(p)
    out: list[int] = []
    todo = list(children.get(pid, []))
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out
