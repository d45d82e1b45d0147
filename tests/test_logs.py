"""Structured logs: JSON in production, readable lines in development, bound context on every event."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from crm_shared.logs import bound, configure_logging, get_logger
from crm_shared.settings import Settings


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        structlog.reset_defaults()


def test_production_writes_json_with_the_bound_context(restore_logging: None,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(Settings(CRM_ENV="production", LOG_LEVEL="INFO"), "sync-worker")
    log = get_logger("crm_sync.sync")
    with bound(app_id="gid://partners/App/1", message_id="m-1", organization_id=None):
        log.info("sync.started", kind="incremental")
        logging.getLogger("dramatiq.worker").warning("retrying %s", "m-1")  # a library's record, same format
    log.debug("hidden")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [line["event"] for line in lines] == ["sync.started", "retrying m-1"]
    first = lines[0]
    assert first["app_id"] == "gid://partners/App/1" and first["message_id"] == "m-1"
    assert first["service"] == "sync-worker" and first["level"] == "info" and first["kind"] == "incremental"
    assert "organization_id" not in first  # None values are not bound
    assert lines[1]["app_id"] == "gid://partners/App/1" and lines[1]["logger"] == "dramatiq.worker"


def test_development_writes_readable_lines(restore_logging: None, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(Settings(CRM_ENV="development"), "gateway")
    with bound(request_id="r-9"):
        get_logger("crm_gateway").warning("request.slow", ms=1200)
    line = capsys.readouterr().err.strip()
    assert "request.slow" in line and "request_id=r-9" in line and "ms=1200" in line and not line.startswith("{")
