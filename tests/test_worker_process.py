"""A worker process never outlives the process that started it (`crm_shared.worker_process`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from crm_devstack.proc_table import alive
from tests.waiting import wait_for

STARTER = (  # a launcher: names itself in CRM_PARENT_PID, as crm_devstack.processes.ProcessGroup does
    "import os, subprocess, sys, time\n"
    "env = {**os.environ, 'CRM_PARENT_PID': str(os.getpid())}\n"
    "worker = subprocess.Popen([sys.executable, '-m', sys.argv[1], 'worker'], env=env)\n"
    "print(worker.pid, flush=True)\n"
    "time.sleep(600)\n"
)


@pytest.mark.parametrize("package", ["crm_sync", "crm_analytics"])
def test_a_worker_whose_parent_is_killed_exits(package: str, redis_url: str, mongo_uri: str) -> None:
    starter = subprocess.Popen([sys.executable, "-c", STARTER, package], stdout=subprocess.PIPE, text=True,
                               start_new_session=True, env={**os.environ, "MONGODB_DB": "worker_process_test"})
    assert starter.stdout is not None
    worker = int(starter.stdout.readline())
    try:
        wait_for("the worker to start", lambda: alive(worker), timeout=60)
        starter.kill()  # kill -9 of the parent only: nothing tells the worker
        starter.wait(10)
        wait_for("the orphaned worker to exit", lambda: not alive(worker), timeout=60)
    finally:
        if alive(worker):
            os.kill(worker, signal.SIGKILL)
        if starter.poll() is None:
            starter.kill()
            starter.wait()


def test_sigusr1_logs_what_the_worker_threads_wait_for(redis_url: str, mongo_uri: str, tmp_path) -> None:
    """`kill -USR1` of a worker logs every task of its threads and the awaits it is in (for a run that seems
    stuck); the worker keeps running."""
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen([sys.executable, "-m", "crm_sync", "worker"], stdout=out, stderr=subprocess.STDOUT,
                                  env={**os.environ, "MONGODB_DB": "worker_process_test"})
    try:
        wait_for("the worker to start", lambda: "worker.started" in log.read_text(), timeout=60)
        os.kill(worker.pid, signal.SIGUSR1)
        wait_for("the task dump", lambda: "worker.tasks" in log.read_text(), timeout=60)
        assert worker.poll() is None
        worker.terminate()
        assert worker.wait(60) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
