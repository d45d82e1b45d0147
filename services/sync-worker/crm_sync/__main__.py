"""Entry points: ``python -m crm_sync worker | scheduler | sync --app ID [--full] [--since ISO]``."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from crm_shared.logs import configure_logging
from crm_shared.settings import get_settings
from crm_shared.token_cipher import require_secret_key


def _worker() -> int:
    """A dramatiq worker on queue ``sync`` in this process (`crm_shared.worker_process`)."""
    from crm_shared.broker import make_broker
    from crm_shared.messages import SYNC_QUEUE
    from crm_shared.worker_process import run_worker
    from crm_sync import client, metrics
    from crm_sync.actors import declare_actors

    require_secret_key("the sync worker")  # it decrypts the Partner API tokens
    settings = get_settings()
    broker = make_broker(settings.redis_url)
    declare_actors(broker, settings)
    metrics.serve(settings.sync_metrics_port)
    client.warm_up()  # the Partner API schema and TLS context, built once here rather than in the first sync
    return run_worker(broker, [SYNC_QUEUE], settings.sync_worker_threads, settings.parent_pid, stop_timeout=10.0)


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
    configure_logging(get_settings(), "sync-worker" if args.command == "worker" else f"sync-{args.command}")
    if args.command == "worker":
        return _worker()
    if args.command == "scheduler":
        return asyncio.run(_scheduler())
    from crm_sync.cli import run_sync_command

    return asyncio.run(run_sync_command(args.app, args.full or args.since is not None, args.since))


if __name__ == "__main__":
    sys.exit(main())
