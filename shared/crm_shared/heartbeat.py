"""Worker heartbeats: proof that a worker is consuming its queue, not only that Redis answers.

Every worker process sends itself a small ``<queue>_heartbeat`` message on its own queue every
`INTERVAL_SECONDS`; whichever worker thread runs it writes the time to Redis under
``crm:heartbeat:<queue>:<hostname>``. A heartbeat that is fresh means a worker of that host took a
message off the queue and ran an actor recently. The container healthcheck is

    python -m crm_shared.heartbeat sync --max-age 300        (exit 0 fresh, 1 stale or missing)

A worker whose threads are all busy with long syncs runs the ping late, so `--max-age` is set well above
the interval. Pings older than four intervals are dropped unrun (they prove nothing any more).
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import time
from typing import Any

import dramatiq
import redis
from dramatiq.middleware import Middleware

INTERVAL_SECONDS = 30.0
KEY_PREFIX = "crm:heartbeat:"


def actor_name(queue: str) -> str:
    """The heartbeat actor of `queue`."""
    return f"{queue}_heartbeat"


def heartbeat_key(queue: str, host: str | None = None) -> str:
    """The Redis key of a host's heartbeat for `queue`."""
    return f"{KEY_PREFIX}{queue}:{host or socket.gethostname()}"


class _Pinger(Middleware):
    """In each worker process: enqueue a heartbeat message every `interval` seconds until shutdown."""

    def __init__(self, queue: str, interval: float) -> None:
        self.queue, self.interval = queue, interval
        self._stop = threading.Event()

    def after_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        threading.Thread(target=self._run, args=(broker,), name=f"{self.queue}-heartbeat", daemon=True).start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        self._stop.set()

    def _run(self, broker: dramatiq.Broker) -> None:
        while not self._stop.is_set():
            try:
                broker.enqueue(dramatiq.Message(queue_name=self.queue, actor_name=actor_name(self.queue), args=(),
                                                kwargs={}, options={"max_age": int(4 * self.interval * 1000),
                                                                    "max_retries": 0}))
            except Exception:  # noqa: BLE001  Redis away: the heartbeat goes stale, which is the point
                pass
            self._stop.wait(self.interval)


def declare_heartbeat(broker: dramatiq.Broker, queue: str, redis_url: str,
                      interval: float = INTERVAL_SECONDS) -> dramatiq.Actor[Any, Any]:
    """Declare `queue`'s heartbeat actor on `broker` and make every worker process send its pings."""
    clients: dict[int, redis.Redis] = {}

    def beat() -> None:
        client = clients.get(threading.get_ident())
        if client is None:
            client = clients[threading.get_ident()] = redis.Redis.from_url(redis_url)
        client.set(heartbeat_key(queue), f"{time.time():.3f}", ex=int(24 * 3600))

    broker.add_middleware(_Pinger(queue, interval))
    declared: dramatiq.Actor[Any, Any] = dramatiq.actor(broker=broker, actor_name=actor_name(queue), queue_name=queue,
                                                        max_retries=0)(beat)
    return declared


def heartbeat_age(client: redis.Redis, queue: str, host: str | None = None) -> float | None:
    """Seconds since the host's last heartbeat for `queue`, or None when there is none."""
    value = client.get(heartbeat_key(queue, host))
    return None if value is None else max(0.0, time.time() - float(value))


def main(argv: list[str] | None = None) -> int:
    """`python -m crm_shared.heartbeat QUEUE [--max-age S]`: the worker containers' healthcheck."""
    from crm_shared.settings import get_settings

    parser = argparse.ArgumentParser(prog="python -m crm_shared.heartbeat",
                                     description="exit 0 when this host's worker consumed QUEUE recently")
    parser.add_argument("queue", choices=["sync", "analytics"])
    parser.add_argument("--max-age", type=float, default=300.0, help="seconds (default 300)")
    args = parser.parse_args(argv)
    client = redis.Redis.from_url(get_settings().redis_url, socket_timeout=5)
    try:
        age = heartbeat_age(client, args.queue)
    except redis.RedisError as exc:
        print(f"unhealthy: Redis: {exc}", file=sys.stderr)
        return 1
    if age is None or age > args.max_age:
        print(f"unhealthy: no {args.queue} heartbeat from {socket.gethostname()} within {args.max_age:.0f} s"
              + (f" (last {age:.0f} s ago)" if age is not None else ""), file=sys.stderr)
        return 1
    print(f"healthy: {args.queue} heartbeat {age:.0f} s ago")
    return 0


if __name__ == "__main__":
    sys.exit(main())
