"""How both workers run their actors: one event loop and one set of clients per worker thread.

dramatiq runs each message in one of the worker process's threads.  An actor of
this project is a plain function that hands an async job to `ThreadRuntime.run`:
the thread keeps one asyncio event loop (`asyncio.Runner`) and the resources
opened on it (Mongo and Redis clients), made on the thread's first message and
closed when the thread stops.  Nothing is created at import time: a service's
``declare_actors(broker, settings)`` builds a runtime and declares its actors
on the broker it is given, so the worker process and the tests bind them to
the broker and databases they choose.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import weakref
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import dramatiq
import structlog
from dramatiq.broker import MessageProxy
from dramatiq.middleware import Middleware
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from crm_shared.mongo import new_client

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Clients:
    """A Mongo database and an asyncio Redis client opened on one event loop."""

    db: AsyncDatabase[Any]
    redis: Redis
    mongo: AsyncMongoClient[Any]

    @classmethod
    def open(cls, mongodb_uri: str, db_name: str, redis_url: str) -> Clients:
        """New clients (call on the event loop that will use them)."""
        mongo = new_client(mongodb_uri, server_selection_seconds=30.0)
        return cls(db=mongo[db_name], redis=Redis.from_url(redis_url), mongo=mongo)

    async def aclose(self) -> None:
        await self.redis.aclose()
        await self.mongo.close()


class _State(threading.local):
    runner: asyncio.Runner | None = None
    resources: Any = None


#: The event loops of every worker thread (for `running_tasks`).
_LOOPS: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()


def running_tasks() -> list[str]:
    """Every task of every worker thread's loop with the stack it waits in (what `kill -USR1` logs).

    A diagnostic read from another thread (`asyncio.all_tasks` copes with a set that changes meanwhile); a task
    may finish meanwhile, which only shortens the answer."""
    found: list[str] = []
    for loop in list(_LOOPS):
        if loop.is_closed():
            continue
        for task in asyncio.all_tasks(loop):
            found.append(f"{task.get_name()}: {' -> '.join(_awaiting(task.get_coro())) or 'not started'}")
    return found


def _awaiting(coro: Any) -> list[str]:
    """The chain of coroutines `coro` waits in, outermost first (``cr_await`` / ``gi_yieldfrom`` links)."""
    chain: list[str] = []
    while coro is not None and len(chain) < 60:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None) or getattr(coro, "ag_frame", None)
        if frame is None:
            chain.append(type(coro).__name__)
            break
        chain.append(f"{frame.f_code.co_name} ({frame.f_code.co_filename.rsplit('/', 2)[-1]}:{frame.f_lineno})")
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None) or getattr(coro, "ag_await", None)
    return chain


class ThreadRuntime(Generic[R]):
    """Runs async jobs on the calling worker thread's own event loop, with that thread's resources."""

    def __init__(self, broker: dramatiq.Broker, open_resources: Callable[[], R],
                 close_resources: Callable[[R], Coroutine[Any, Any, None]]) -> None:
        self.broker = broker
        self._open = open_resources
        self._close = close_resources
        self._local = _State()
        # One instance of each middleware per broker, whatever the number of runtimes declared on it.
        closer = next((m for m in broker.middleware if isinstance(m, _CloseThreadRuntime)), None)
        if closer is None:
            broker.add_middleware(_CloseThreadRuntime(self))
        else:
            closer.runtimes.append(self)
        if not any(isinstance(m, _BindMessage) for m in broker.middleware):
            broker.add_middleware(_BindMessage())

    def run(self, job: Callable[[R], Coroutine[Any, Any, T]]) -> T:
        """Run `job(resources)` to completion on this thread's loop."""
        local = self._local
        if local.runner is None:
            local.runner = asyncio.Runner()
            _LOOPS.add(local.runner.get_loop())

        async def with_resources() -> T:
            if local.resources is None:
                local.resources = self._open()
            return await job(local.resources)

        # In a copy of this thread's context: what the message's middleware bound (message id, app) is logged.
        return local.runner.run(with_resources(), context=contextvars.copy_context())

    def close_thread(self) -> None:
        """Close this thread's resources and event loop (called in the thread itself)."""
        local = self._local
        if local.runner is None:
            return
        resources, local.resources = local.resources, None
        if resources is not None:
            local.runner.run(self._close(resources))
        local.runner.close()
        local.runner = None

    def declare(self, queue: str, actors: dict[str, tuple[Callable[..., None], dict[str, Any]]]
                ) -> dict[str, dramatiq.Actor[Any, Any]]:
        """Declare `{actor name: (function, dramatiq options)}` on queue `queue` of this runtime's broker."""
        return {
            name: dramatiq.actor(broker=self.broker, actor_name=name, queue_name=queue, **options)(fn)
            for name, (fn, options) in actors.items()
        }


class _BindMessage(Middleware):
    """Binds the message id, actor and app of the message being processed to every event logged for it."""

    def before_process_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(message_id=message.message_id, actor=message.actor_name,
                                               app_id=message.kwargs.get("app_id"))

    def after_process_message(self, broker: dramatiq.Broker, message: MessageProxy, *,
                              result: Any | None = None, exception: BaseException | None = None) -> None:
        structlog.contextvars.clear_contextvars()

    def after_skip_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        structlog.contextvars.clear_contextvars()


class _CloseThreadRuntime(Middleware):
    """Closes a worker thread's event loop and clients when the thread stops."""

    def __init__(self, runtime: ThreadRuntime[Any]) -> None:
        self.runtimes = [runtime]

    def before_worker_thread_shutdown(self, broker: dramatiq.Broker, thread: Any) -> None:
        for runtime in self.runtimes:
            runtime.close_thread()
