"""Entry points: ``python -m crm_sync worker | scheduler | sync --app ID [--full] [--since ISO]``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import subprocess
import sys

from crm_shared.settings import get_settings
from crm_shared.token_cipher import require_secret_key
from crm_sync.config import get_config


def _die_with_parent() -> None:
    """In the child: SIGTERM it when this process dies (Linux prctl PR_SET_PDEATHSIG)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
    except OSError:  # not Linux: the parent still forwards every signal it gets
        pass


def _worker() -> int:
    """Run the dramatiq CLI for queue ``sync`` as a child in its own session.

    Signals sent to this process (or its whole group, as launchers do) reach
    dramatiq's main process exactly once, which then shuts its worker
    processes down cleanly; a dramatiq worker process that gets a second
    SIGTERM from the group as well would hang instead."""
    require_secret_key("the sync worker")  # it decrypts the Partner API tokens
    config = get_config()
    argv = [sys.executable, "-m", "dramatiq", "crm_sync.actors", "--queues", "sync",
            "--processes", str(config.worker_processes), "--threads", str(config.worker_threads)]
    proc = subprocess.Popen(argv, start_new_session=True, preexec_fn=_die_with_parent)

    def forward(signum: int, _frame: object) -> None:
        try:
            os.kill(proc.pid, signum)
        except ProcessLookupError:
            pass

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, forward)
    return proc.wait()


async def _scheduler() -> int:
    from redis.asyncio import Redis

    from crm_shared.broker import make_broker
    from crm_shared.mongo import get_db
    from crm_sync.scheduler import run_scheduler

    settings = get_settings()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    redis = Redis.from_url(settings.redis_url)
    try:
        await run_scheduler(get_db(), redis, make_broker(), settings.sync_interval_seconds, stop)
    finally:
        await redis.aclose()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen entry point."""
    parser = argparse.ArgumentParser(prog="python -m crm_sync", description="Partner API sync worker")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("worker", help="run a dramatiq worker for queue 'sync'")
    sub.add_parser("scheduler", help="enqueue sync_app for every app every SYNC_INTERVAL_SECONDS")
    sync = sub.add_parser("sync", help="sync one app in the foreground with a progress bar")
    sync.add_argument("--app", required=True, help="app gid, e.g. gid://partners/App/101")
    sync.add_argument("--full", action="store_true", help="backfill the whole history in windows")
    sync.add_argument("--since", help="backfill from this ISO-8601 time (implies --full)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=get_settings().log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if args.command == "worker":
        return _worker()
    if args.command == "scheduler":
        return asyncio.run(_scheduler())
    from crm_sync.cli import run_sync_command

    return asyncio.run(run_sync_command(args.app, args.full or args.since is not None, args.since))


if __name__ == "__main__":
    sys.exit(main())
