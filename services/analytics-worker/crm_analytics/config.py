"""Worker settings and the resources (Mongo, Redis, broker) one job runs with."""

from __future__ import annotations

from dataclasses import dataclass

import dramatiq
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis


class AnalyticsSettings(BaseSettings):
    """Tuning knobs of the analytics worker (environment variables)."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    debounce_seconds: float = Field(10.0, alias="ANALYTICS_DEBOUNCE_SECONDS",
                                    description="app-level recompute at most once per this many seconds per app")
    batch_size: int = Field(500, alias="ANALYTICS_BATCH_SIZE", description="customers derived per Mongo round trip")
    lock_seconds: float = Field(300.0, alias="ANALYTICS_LOCK_SECONDS", description="per-app lock lease")
    worker_threads: int = Field(4, alias="ANALYTICS_WORKER_THREADS")


@dataclass
class JobContext:
    """What a job needs: the database, Redis, a broker to send follow-ups, tuning."""

    db: AsyncDatabase
    redis: Redis
    broker: dramatiq.Broker
    settings: AnalyticsSettings
