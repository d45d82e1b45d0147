"""Worker-only configuration (environment variables, read once at the edge).

Shared variables (MONGODB_URI, PARTNER_API_*, SYNC_INTERVAL_SECONDS, ...) live
in `crm_shared.settings`; these are the knobs only the sync worker has.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SyncConfig(BaseSettings):
    """Tuning of the sync worker."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    metrics_port: int | None = Field(None, alias="SYNC_METRICS_PORT", description="Prometheus port; unset = off")
    page_size: int = Field(100, alias="SYNC_PAGE_SIZE", ge=1, le=250)
    backfill_window_days: int = Field(180, alias="SYNC_BACKFILL_WINDOW_DAYS", ge=1)
    backfill_default_years: int = Field(5, alias="SYNC_BACKFILL_DEFAULT_YEARS", ge=1)
    rate_margin: float = Field(
        1.0, alias="SYNC_RATE_MARGIN", gt=0, le=1, description="share of PARTNER_API_RATE actually used"
    )
    strict_window: bool = Field(
        True, alias="SYNC_RATE_STRICT_WINDOW",
        description="bound every 1 s window by completion times (see rate_limiter)",
    )
    request_timeout: float = Field(30.0, alias="SYNC_REQUEST_TIMEOUT", gt=0)
    max_attempts: int = Field(10, alias="SYNC_MAX_ATTEMPTS", ge=1)
    max_backoff: float = Field(30.0, alias="SYNC_MAX_BACKOFF", gt=0)
    lease_seconds: float = Field(60.0, alias="SYNC_LEASE_SECONDS", gt=1)
    worker_threads: int = Field(4, alias="SYNC_WORKER_THREADS", ge=1)
    worker_processes: int = Field(1, alias="SYNC_WORKER_PROCESSES", ge=1)


@lru_cache(maxsize=1)
def get_config() -> SyncConfig:
    """The worker configuration, read once per process."""
    return SyncConfig()  # type: ignore[call-arg]
