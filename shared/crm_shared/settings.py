"""The one settings object (twelve-factor: environment variables only).

Variable names are fixed by DESIGN §5; tests and operators rely on them.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    mongodb_uri: str = Field("mongodb://127.0.0.1:27017/?directConnection=true", alias="MONGODB_URI")
    mongodb_db: str = Field("crm", alias="MONGODB_DB")
    redis_url: str = Field("redis://127.0.0.1:6379/0", alias="REDIS_URL")
    partner_api_url: str = Field("http://127.0.0.1:8090", alias="PARTNER_API_URL")
    partner_api_version: str = Field("2026-04", alias="PARTNER_API_VERSION")
    partner_api_rate: float = Field(4.0, alias="PARTNER_API_RATE", description="requests/s per Partner API client")
    gateway_port: int = Field(8000, alias="GATEWAY_PORT")
    partner_sim_port: int = Field(8090, alias="PARTNER_SIM_PORT")
    partner_sim_scenario: str | None = Field(None, alias="PARTNER_SIM_SCENARIO")
    bootstrap_api_key: str | None = Field(None, alias="CRM_BOOTSTRAP_API_KEY")
    now_override: datetime | None = Field(None, alias="CRM_NOW")
    environment: Literal["development", "production"] = Field("development", alias="CRM_ENV")
    sync_interval_seconds: int = Field(900, alias="SYNC_INTERVAL_SECONDS")
    sync_overlap_days: int = Field(3, alias="SYNC_OVERLAP_DAYS")
    analytics_refresh_seconds: int = Field(3600, alias="ANALYTICS_REFRESH_SECONDS")
    log_level: str = Field("INFO", alias="LOG_LEVEL")
    list_index: bool = Field(True, alias="GATEWAY_LIST_INDEX",
                             description="answer lists and counts from the gateway's in-memory list index")
    list_index_max_mb: int = Field(2048, alias="GATEWAY_LIST_INDEX_MAX_MB",
                                   description="memory budget of the list index; least recently used apps dropped")
    list_index_check_seconds: float = Field(60.0, alias="GATEWAY_LIST_INDEX_CHECK_SECONDS",
                                            description="period of the index-vs-MongoDB count check (0: off)")
    # Partner API tokens at rest (crm_shared.token_cipher): one Fernet key, or "new,old" while rotating.
    secret_key: SecretStr | None = Field(None, alias="CRM_SECRET_KEY")
    # Browser origins allowed to call the gateway (comma-separated, e.g. "https://crm.example.com"); none by default.
    cors_origins: str = Field("", alias="CRM_CORS_ORIGINS")

    @field_validator("now_override", mode="before")
    @classmethod
    def _empty_is_none(cls, v: object) -> object:
        return None if v in ("", None) else v

    @field_validator("now_override")
    @classmethod
    def _utc(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            v = v.replace(tzinfo=timezone.utc)
        return v


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once per process from the environment."""
    return Settings()  # type: ignore[call-arg]
