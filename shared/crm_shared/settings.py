"""The one settings object: every environment variable any service, the launcher or the simulator reads.

Twelve-factor: configuration comes from environment variables only, read here
and nowhere else, validated when a process starts.  Code that needs a value is
given the `Settings` object (or `get_settings()` at a process's edge).  The
README's configuration table is generated from the fields below
(``python -m crm_shared.settings``) and a test keeps the two equal.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every variable, with its default and meaning (the meaning is the README's)."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    # -- where things are -----------------------------------------------------------------
    mongodb_uri: str = Field("mongodb://127.0.0.1:27017/?directConnection=true", alias="MONGODB_URI",
                             description="MongoDB connection string; unset, `make run` starts an embedded SecantusDB")
    mongodb_db: str = Field("crm", alias="MONGODB_DB",
                            description="database name; `make run`: `crm_demo`, or `crm_scenario_<hash>` for a "
                                        "scenario")
    mongodb_socket_timeout_seconds: float = Field(
        120.0, alias="MONGODB_SOCKET_TIMEOUT_SECONDS", gt=0,
        description="longest wait for one MongoDB reply; a server that stops answering fails the operation "
                    "(retried) instead of hanging a worker forever")
    redis_url: str = Field("redis://127.0.0.1:6379/0", alias="REDIS_URL",
                           description="broker, leases and rate-limit store; unset, `make run` starts a private "
                                       "redis-server")
    partner_api_url: str = Field("http://127.0.0.1:8090", alias="PARTNER_API_URL",
                                 description="base URL of the Partner API; unset, `make run` starts the simulator")
    partner_api_version: str = Field("2026-04", alias="PARTNER_API_VERSION",
                                     description="pinned Partner API version")
    partner_api_rate: float = Field(4.0, alias="PARTNER_API_RATE", gt=0,
                                    description="requests per second per Partner API client, shared by every worker")
    # -- every process ----------------------------------------------------------------------
    now_override: datetime | None = Field(None, alias="CRM_NOW",
                                          description="freezes every service's clock (ISO-8601 UTC); a scenario's "
                                                      "`now` under `make run`")
    environment: Literal["development", "production"] = Field(
        "development", alias="CRM_ENV",
        description="`production` hides GraphiQL, introspection and internal error messages")
    log_level: str = Field("INFO", alias="LOG_LEVEL", description="DEBUG, INFO, WARNING or ERROR")
    # -- gateway ------------------------------------------------------------------------------
    gateway_host: str = Field("127.0.0.1", alias="GATEWAY_HOST", description="gateway HTTP interface")
    gateway_port: int = Field(8000, alias="GATEWAY_PORT", description="gateway HTTP port")
    gateway_fast_execution: bool = Field(True, alias="GATEWAY_FAST_EXECUTION",
                                         description="complete plain attribute fields with the gateway's fast "
                                                     "executor (false: graphql-core's standard path)")
    list_index: bool = Field(True, alias="GATEWAY_LIST_INDEX",
                             description="answer lists and counts from the gateway's in-memory list index")
    list_index_max_mb: int = Field(2048, alias="GATEWAY_LIST_INDEX_MAX_MB",
                                   description="memory budget of the list index; least recently used apps dropped")
    list_index_check_seconds: float = Field(60.0, alias="GATEWAY_LIST_INDEX_CHECK_SECONDS",
                                            description="period of the index-vs-MongoDB count check (0: off)")
    cors_origins: str = Field("", alias="CRM_CORS_ORIGINS",
                              description="browser origins allowed to call the gateway (comma-separated, e.g. "
                                          "`https://crm.example.com`); none by default")
    web_dist: str | None = Field(None, alias="CRM_WEB_DIST",
                                 description="the built web console the gateway serves at `/`; unset: `web/dist`")
    export_signing_key: str | None = Field(None, alias="CRM_EXPORT_SIGNING_KEY",
                                           description="HMAC key of signed export links (give every gateway "
                                                       "replica the same); unset: a random key stored once in "
                                                       "MongoDB")
    # -- secrets ---------------------------------------------------------------------------------
    secret_key: SecretStr | None = Field(None, alias="CRM_SECRET_KEY",
                                         description="key(s) encrypting Partner API tokens at rest "
                                                     "(`crm_shared.token_cipher`; `new,old` while rotating); "
                                                     "production refuses to start without it; `make run` keeps one in "
                                                     "`.data/secret.key`")
    partner_api_token: SecretStr | None = Field(None, alias="PARTNER_API_TOKEN",
                                                description="the token `crm` commands use when not given on "
                                                            "standard input or at the prompt")
    # -- sync worker ----------------------------------------------------------------------------
    sync_interval_seconds: int = Field(900, alias="SYNC_INTERVAL_SECONDS", ge=1,
                                       description="period of the sync scheduler")
    sync_overlap_days: int = Field(3, alias="SYNC_OVERLAP_DAYS", ge=0,
                                   description="an incremental sync re-reads this much before its watermark")
    sync_worker_threads: int = Field(4, alias="SYNC_WORKER_THREADS", ge=1,
                                     description="messages a sync worker process handles at once")
    sync_page_size: int = Field(100, alias="SYNC_PAGE_SIZE", ge=1, le=250,
                                description="Partner API page size (a checkpoint per page)")
    sync_backfill_window_days: int = Field(180, alias="SYNC_BACKFILL_WINDOW_DAYS", ge=1,
                                           description="a backfill reads history in windows this long")
    sync_backfill_default_years: int = Field(5, alias="SYNC_BACKFILL_DEFAULT_YEARS", ge=1,
                                             description="how far back a backfill without `since` measures progress")
    sync_rate_margin: float = Field(1.0, alias="SYNC_RATE_MARGIN", gt=0, le=1,
                                    description="share of PARTNER_API_RATE actually used")
    sync_rate_strict_window: bool = Field(True, alias="SYNC_RATE_STRICT_WINDOW",
                                          description="also bound every 1 s window by completion times "
                                                      "(see the rate limiter)")
    sync_request_timeout: float = Field(30.0, alias="SYNC_REQUEST_TIMEOUT", gt=0,
                                        description="seconds before a Partner API request is retried")
    sync_max_attempts: int = Field(10, alias="SYNC_MAX_ATTEMPTS", ge=1,
                                   description="tries of one Partner API request before the run fails")
    sync_max_backoff: float = Field(30.0, alias="SYNC_MAX_BACKOFF", gt=0,
                                    description="longest wait between two tries, in seconds")
    sync_lease_seconds: float = Field(60.0, alias="SYNC_LEASE_SECONDS", gt=1,
                                      description="time to live of an app's sync lease (renewed while held; a killed "
                                                  "worker's lease frees after it)")
    sync_metrics_port: int | None = Field(None, alias="SYNC_METRICS_PORT",
                                          description="Prometheus port of the sync worker; unset: off")
    # -- analytics worker ------------------------------------------------------------------------
    analytics_refresh_seconds: int = Field(3600, alias="ANALYTICS_REFRESH_SECONDS", ge=1,
                                           description="period of the clock-driven refresh of every app")
    analytics_debounce_seconds: float = Field(10.0, alias="ANALYTICS_DEBOUNCE_SECONDS", ge=0,
                                              description="an app-level recompute at most once per this many "
                                                          "seconds per app")
    analytics_batch_size: int = Field(500, alias="ANALYTICS_BATCH_SIZE", ge=1,
                                      description="customers derived per MongoDB round trip")
    analytics_lock_seconds: float = Field(300.0, alias="ANALYTICS_LOCK_SECONDS", gt=0,
                                          description="time to live of the per-app analytics lock (renewed per batch)")
    analytics_worker_threads: int = Field(4, alias="ANALYTICS_WORKER_THREADS", ge=1,
                                          description="messages an analytics worker process handles at once")
    # -- alerts: webhooks and the live feed (docs/alerts.md) ---------------------------------------
    public_url: str = Field("http://127.0.0.1:8000", alias="CRM_PUBLIC_URL",
                            description="the console's address, used in the customer links that alerts carry")
    webhook_timeout_seconds: float = Field(10.0, alias="WEBHOOK_TIMEOUT_SECONDS", gt=0,
                                           description="a webhook delivery's connect + response time limit")
    webhook_concurrency: int = Field(4, alias="WEBHOOK_CONCURRENCY", ge=1, le=64,
                                     description="requests in flight per webhook endpoint (one customer's events "
                                                 "are always sent one after the other)")
    webhook_retry_seconds: float = Field(86400.0, alias="WEBHOOK_RETRY_SECONDS", gt=0,
                                         description="a failing delivery is retried with exponential backoff for "
                                                     "this long after its first attempt")
    webhook_backoff_seconds: float = Field(10.0, alias="WEBHOOK_BACKOFF_SECONDS", gt=0,
                                           description="wait before a delivery's first retry (doubles each attempt)")
    webhook_backoff_max_seconds: float = Field(3600.0, alias="WEBHOOK_BACKOFF_MAX_SECONDS", gt=0,
                                               description="longest wait between two attempts of a delivery")
    webhook_disable_after_seconds: float = Field(86400.0, alias="WEBHOOK_DISABLE_AFTER_SECONDS", gt=0,
                                                 description="an endpoint failing without one success for this "
                                                             "long (and WEBHOOK_DISABLE_MIN_FAILURES attempts) is "
                                                             "disabled")
    webhook_disable_min_failures: int = Field(10, alias="WEBHOOK_DISABLE_MIN_FAILURES", ge=1,
                                              description="failed attempts in a row before an endpoint may be "
                                                          "disabled")
    webhook_lease_seconds: float = Field(30.0, alias="WEBHOOK_LEASE_SECONDS", gt=0.5,
                                         description="time to live of an endpoint's delivery lease (renewed while "
                                                     "held; a killed worker's lease frees after it)")
    webhook_sweep_seconds: float = Field(60.0, alias="WEBHOOK_SWEEP_SECONDS", gt=0,
                                         description="period of the analytics scheduler's sweep for due "
                                                     "deliveries (messages lost with Redis, killed workers)")
    webhook_batch_size: int = Field(200, alias="WEBHOOK_BATCH_SIZE", ge=1,
                                    description="deliveries one endpoint run claims per MongoDB round trip")
    # -- launcher (`make run`) ---------------------------------------------------------------------
    data_dir: str | None = Field(None, alias="CRM_DATA_DIR",
                                 description="the stack's folder (database files, logs); unset: `.data`, or "
                                             "`.data/scenario-<name>-<hash>` for a scenario; one stack per folder")
    demo_shops: int = Field(3000, alias="CRM_DEMO_SHOPS", ge=1, description="shops of the generated demo "
                                                                              "organization")
    bootstrap_api_key: str | None = Field(None, alias="CRM_BOOTSTRAP_API_KEY",
                                          description="API key created at start for the scenario's (or demo) "
                                                      "organization; unset: generated and printed")
    parent_pid: int | None = Field(None, alias="CRM_PARENT_PID",
                                   description="set by the launcher: a worker exits when this process is gone")
    # -- Partner API simulator (development and tests) -------------------------------------------------
    partner_sim_port: int = Field(8090, alias="PARTNER_SIM_PORT", description="simulator HTTP port")
    partner_sim_scenario: str | None = Field(None, alias="PARTNER_SIM_SCENARIO",
                                             description="scenario file to serve instead of generated demo data")
    partner_sim_throttle: bool = Field(True, alias="PARTNER_SIM_THROTTLE",
                                       description="the simulator enforces its per-token rate")
    partner_sim_rate: float = Field(4.0, alias="PARTNER_SIM_RATE", gt=0,
                                    description="the simulator's requests per second per access token")
    partner_sim_versions: str = Field("2025-10,2026-01,2026-04,2026-07", alias="PARTNER_SIM_VERSIONS",
                                      description="API versions the simulator serves (comma-separated)")
    partner_sim_page_max: int = Field(100, alias="PARTNER_SIM_PAGE_MAX", ge=1,
                                      description="largest page the simulator serves")
    partner_sim_faults: str | None = Field(None, alias="PARTNER_SIM_FAULTS",
                                           description="faults the simulator injects (JSON, as `POST "
                                                       "/_admin/faults`)")

    @field_validator("now_override", "data_dir", "bootstrap_api_key", "partner_sim_scenario", "partner_sim_faults",
                     "sync_metrics_port", "parent_pid", "web_dist", "export_signing_key", mode="before")
    @classmethod
    def _empty_is_none(cls, v: object) -> object:
        return None if v in ("", None) else v

    @field_validator("now_override")
    @classmethod
    def _utc(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            v = v.replace(tzinfo=timezone.utc)
        return v

    def is_set(self, field: str) -> bool:
        """Whether `field` came from the environment (or the constructor) rather than its default."""
        return field in self.model_fields_set


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once per process from the environment."""
    return Settings()


def settings_table() -> str:
    """The README's configuration table (markdown), one row per variable."""
    rows = ["| variable | meaning | default |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "unset" if default is None else f"`{str(default).lower() if isinstance(default, bool) else default}`"
        rows.append(f"| `{field.alias or name.upper()}` | {field.description} | {shown} |")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.stdout.write(settings_table() + "\n")
