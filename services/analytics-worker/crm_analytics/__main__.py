"""``python -m crm_analytics worker | scheduler | rebuild --app APP_GID``.

- ``worker``: a dramatiq worker consuming queues ``analytics`` and ``webhooks``
  (threads from ``ANALYTICS_WORKER_THREADS``; ``--queue`` picks queues, e.g. a
  delivery-only worker); stops cleanly on SIGINT/SIGTERM.
- ``scheduler``: enqueues ``refresh_app`` for every app at start and every
  ``ANALYTICS_REFRESH_SECONDS``, and ``sweep_webhooks`` every
  ``WEBHOOK_SWEEP_SECONDS``.
- ``rebuild``: recomputes one app from raw data in this process and prints
  what it did.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from redis.asyncio import Redis

from crm_analytics.actors import declare_actors
from crm_analytics.config import JobContext
from crm_analytics.indexes import ensure_analytics_indexes
from crm_analytics.jobs import rebuild_app
from crm_analytics.scheduler import run_scheduler, run_webhook_sweeper
from crm_analytics.webhooks import declare_webhook_actors
from crm_shared.broker import make_broker
from crm_shared.clock import utcnow
from crm_shared.logs import configure_logging
from crm_shared.messages import ANALYTICS_QUEUE, WEBHOOKS_QUEUE
from crm_shared.mongo import get_db
from crm_shared.settings import get_settings
from crm_shared.store.indexes import ensure_base_indexes
from crm_shared.worker_process import run_worker


def _worker(queues: list[str]) -> int:
    """A dramatiq worker on `queues` in this process (`crm_shared.worker_process`)."""
    settings = get_settings()
    broker = make_broker(settings.redis_url)
    asyncio.run(_prepare_indexes())
    declare_actors(broker, settings)
    declare_webhook_actors(broker, settings)
    return run_worker(broker, queues, settings.analytics_worker_threads, settings.parent_pid)


async def _prepare_indexes() -> None:
    db = get_db()
    await ensure_base_indexes(db)
    await ensure_analytics_indexes(db)


def _scheduler() -> int:
    settings = get_settings()
    broker = make_broker(settings.redis_url)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await asyncio.gather(run_scheduler(get_db(), broker, settings.analytics_refresh_seconds, stop),
                             run_webhook_sweeper(broker, settings.webhook_sweep_seconds, stop))

    asyncio.run(main())
    return 0


def _rebuild(app_id: str) -> int:
    settings = get_settings()
    broker = make_broker(settings.redis_url)

    async def main() -> None:
        db = get_db()
        await ensure_base_indexes(db)
        await ensure_analytics_indexes(db)
        redis = Redis.from_url(settings.redis_url)
        job = JobContext(db=db, redis=redis, broker=broker, settings=settings)
        result = await rebuild_app(job, app_id, utcnow(), wait_seconds=600)
        await redis.aclose()
        print(f"rebuilt {result.customers_rebuilt} customers of {app_id}: {result.recomputed}")

    asyncio.run(main())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m crm_analytics`` and the ``crm-analytics`` script."""
    parser = argparse.ArgumentParser(prog="crm_analytics", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    worker = sub.add_parser("worker", help="consume queues 'analytics' and 'webhooks'")
    worker.add_argument("--queue", action="append", choices=[ANALYTICS_QUEUE, WEBHOOKS_QUEUE], default=None,
                        help="consume only this queue (repeatable; default: both)")
    sub.add_parser("scheduler", help="enqueue refresh_app for every app periodically")
    rebuild = sub.add_parser("rebuild", help="recompute one app from raw data")
    rebuild.add_argument("--app", required=True, help="the Partner app gid, e.g. gid://partners/App/101")
    args = parser.parse_args(argv)
    configure_logging(get_settings(), f"analytics-{args.command}")
    if args.command == "worker":
        return _worker(args.queue or [ANALYTICS_QUEUE, WEBHOOKS_QUEUE])
    if args.command == "scheduler":
        return _scheduler()
    return _rebuild(args.app)


if __name__ == "__main__":
    sys.exit(main())
