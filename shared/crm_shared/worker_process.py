"""The one way a worker process runs: dramatiq's `Worker` in this process, stopped by a signal or orphaning.

``python -m crm_sync worker`` and ``python -m crm_analytics worker`` both declare
their actors on a broker and call `run_worker`.  There is no child process:
SIGTERM or SIGINT stops the worker (in-flight messages get `stop_timeout`
seconds; unfinished ones are redelivered by the broker later), and so does the
death of the process that started it (the worker is re-parented), so a worker
never outlives its launcher.  A launcher names itself in ``CRM_PARENT_PID`` so
that a parent dying before the worker has even started is noticed too.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterable

import dramatiq
from dramatiq import Worker

from crm_shared.actor_runtime import running_tasks
from crm_shared.logs import get_logger

log = get_logger(__name__)

PARENT_POLL_SECONDS = 1.0


def run_worker(broker: dramatiq.Broker, queues: Iterable[str], threads: int, parent_pid: int | None = None,
               stop_timeout: float = 30.0) -> int:
    """Consume `queues` with `threads` worker threads until SIGTERM/SIGINT or the parent's death; exit code."""
    stop = threading.Event()
    reason: list[str] = []

    def on_signal(signum: int, _frame: object) -> None:
        reason.append(signal.Signals(signum).name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    # `kill -USR1 <pid>` logs what every worker thread's tasks are waiting for (a run that seems stuck).
    signal.signal(signal.SIGUSR1, lambda _s, _f: log.warning("worker.tasks", tasks=running_tasks()))
    parent = parent_pid or os.getppid()
    broker.emit_after("process_boot")
    worker = Worker(broker, queues=set(queues), worker_threads=threads)
    worker.start()
    log.info("worker.started", queues=sorted(queues), threads=threads, pid=os.getpid())
    while not stop.wait(PARENT_POLL_SECONDS):
        if os.getppid() != parent:
            reason.append(f"parent {parent} died")
            break
    log.info("worker.stopping", reason=", ".join(reason) or "stopped")
    worker.stop(timeout=int(stop_timeout * 1000))
    broker.close()
    return 0
