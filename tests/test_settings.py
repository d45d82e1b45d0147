"""One settings object: every variable is read there and documented in the README's one table."""

from __future__ import annotations

import re
from pathlib import Path

from crm_shared.settings import Settings, settings_table

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["shared", "services", "deploy"]
READS_ENVIRONMENT = re.compile(r"os\.environ\.get\(|os\.environ\[|os\.getenv\(|getenv\(")


def test_the_readme_table_is_the_settings_table() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("<!-- settings-table:start -->\n", 1)[1].split("\n<!-- settings-table:end -->", 1)[0]
    assert table == settings_table(), "regenerate it: .venv/bin/python -m crm_shared.settings"


def test_every_variable_has_a_meaning() -> None:
    assert all(field.description and field.alias for field in Settings.model_fields.values())


def test_nothing_but_the_settings_object_reads_the_environment() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if path.name != "settings.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if READS_ENVIRONMENT.search(line)
    ]
    assert offenders == []


def test_values_come_from_the_environment_and_are_validated(monkeypatch) -> None:
    monkeypatch.setenv("SYNC_PAGE_SIZE", "25")
    monkeypatch.setenv("CRM_NOW", "2026-03-01T00:00:00")
    monkeypatch.delenv("REDIS_URL", raising=False)
    settings = Settings()
    assert settings.sync_page_size == 25 and settings.now_override is not None
    assert settings.now_override.tzinfo is not None
    assert settings.is_set("sync_page_size") and not settings.is_set("redis_url")
    monkeypatch.setenv("SYNC_PAGE_SIZE", "1000")
    try:
        Settings()
    except ValueError as exc:
        assert "SYNC_PAGE_SIZE" in str(exc)
    else:
        raise AssertionError("a page size above 250 must be refused at start")


def test_every_service_client_bounds_the_wait_for_a_reply(monkeypatch) -> None:
    """A MongoDB that takes a request and never answers fails the operation instead of hanging a worker."""
    from crm_shared.mongo import new_client
    from crm_shared.settings import get_settings

    monkeypatch.setenv("MONGODB_SOCKET_TIMEOUT_SECONDS", "7.5")
    get_settings.cache_clear()
    try:
        client = new_client("mongodb://127.0.0.1:1/?directConnection=true", server_selection_seconds=2)
        assert client.options.pool_options.socket_timeout == 7.5
        assert client.options.server_selection_timeout == 2
    finally:
        get_settings.cache_clear()
