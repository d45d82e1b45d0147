"""One stack per data folder: a lock file that names its holder.

A stack keeps its database files, Redis files and logs in its data folder
(``CRM_DATA_DIR``; ``.data`` for the demo, ``.data/scenario-<name>-<hash>`` for a
scenario file).  Two stacks on one folder would share the database files, so the
launcher takes an exclusive `flock` on ``<folder>/stack.lock`` for its lifetime
(the kernel drops it when the launcher dies, however it dies) and writes its pid
there; a second launcher on the same folder stops at once and says who holds it.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

LOCK_NAME = "stack.lock"


class DataDirInUseError(RuntimeError):
    """Another live stack holds the data folder."""


@dataclass
class DataDirLock:
    """The held lock of one data folder (released by `release` or when the process ends)."""

    path: Path
    handle: IO[str]

    def describe(self, **facts: Any) -> None:
        """Record facts about the holder (gateway URL, ...) beside its pid."""
        self.handle.seek(0)
        self.handle.truncate()
        json.dump({"pid": os.getpid(), "started_at": time.strftime("%Y-%m-%d %H:%M:%S"), **facts}, self.handle)
        self.handle.flush()

    def release(self) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def _holder(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def in_use_message(data_dir: Path, holder: dict[str, Any]) -> str:
    """What to tell someone starting a second stack on a folder in use."""
    pid = holder.get("pid", "?")
    since = f", started {holder['started_at']}" if holder.get("started_at") else ""
    where = f", gateway {holder['gateway']}" if holder.get("gateway") else ""
    return (
        f"the data folder {data_dir} is in use by another stack (launcher pid {pid}{since}{where}).\n"
        f"  Stop that one: Ctrl-C in its terminal, or `kill {pid}`.\n"
        f"  Or run this one beside it, in a folder and on ports of its own:\n"
        f"    CRM_DATA_DIR={data_dir}-2 GATEWAY_PORT=8001 PARTNER_SIM_PORT=8091 make run"
    )


def claim(data_dir: Path) -> DataDirLock:
    """Lock `data_dir` for this process, or raise `DataDirInUseError` naming the holder."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / LOCK_NAME
    handle = open(path, "a+")  # noqa: SIM115 - held open for the stack's lifetime
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise DataDirInUseError(in_use_message(data_dir, _holder(path))) from None
    lock = DataDirLock(path, handle)
    lock.describe()
    return lock
