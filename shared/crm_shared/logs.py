"""Structured logs for every process (structlog over the standard library's logging).

`configure_logging` once at a process's edge: JSON lines in production
(``CRM_ENV=production``), aligned readable lines in development, at
``LOG_LEVEL``.  Records of the standard library's loggers (dramatiq, uvicorn,
pymongo) go through the same renderer, so a process writes one format.

Context travels with the code that runs: `bound(app_id=..., message_id=...)`
binds keys for a block (contextvars, so an asyncio task started inside sees
them), and every event logged meanwhile carries them.  The keys in use:
``service``, ``app_id``, ``organization_id``, ``request_id`` (gateway),
``message_id`` and ``actor`` (workers), ``run_id`` (a sync run).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from structlog.typing import EventDict, Processor

from crm_shared.settings import Settings

__all__ = ["bound", "configure_logging", "get_logger"]


def _processors(service: str) -> list[Processor]:
    def add_service(_logger: Any, _name: str, event: EventDict) -> EventDict:
        event.setdefault("service", service)
        return event

    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_service,
        structlog.processors.StackInfoRenderer(),
    ]


def configure_logging(settings: Settings, service: str) -> None:
    """Route structlog and the standard library's logging to stderr in one format (see module docstring)."""
    production = settings.environment == "production"
    renderer: Processor = (structlog.processors.JSONRenderer() if production
                           else structlog.dev.ConsoleRenderer(colors=False))
    shared = _processors(service)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    exceptions: Processor = structlog.processors.format_exc_info if production else _keep_exc_info
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, exceptions, renderer],
    ))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())


def _keep_exc_info(_logger: Any, _name: str, event: EventDict) -> EventDict:
    return event  # the console renderer prints tracebacks itself


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A logger for module `name` (events: ``log.info("sync.started", app_id=..., kind=...)``)."""
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger


@contextmanager
def bound(**values: Any) -> Iterator[None]:
    """Bind `values` to every event logged in this block (and in tasks started inside it)."""
    with structlog.contextvars.bound_contextvars(**{k: v for k, v in values.items() if v is not None}):
        yield
