"""The clock every service uses: real UTC time, or `CRM_NOW` when frozen."""

from __future__ import annotations

from datetime import datetime, timezone

from crm_shared.settings import get_settings


def utcnow() -> datetime:
    """Current time, timezone-aware UTC; `CRM_NOW` freezes it."""
    frozen = get_settings().now_override
    return frozen if frozen is not None else datetime.now(timezone.utc)


def parse_iso(value: str) -> datetime:
    """Parse an ISO-8601 timestamp (``Z`` accepted) into an aware UTC datetime."""
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def to_iso(value: datetime) -> str:
    """Render an aware datetime as ISO-8601 UTC with a ``Z`` suffix."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
