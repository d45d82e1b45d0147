"""The resources (Mongo, Redis, broker) and settings one job runs with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dramatiq
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from crm_shared.settings import Settings


@dataclass
class JobContext:
    """What a job needs: the database, Redis, a broker to send follow-ups, tuning."""

    db: AsyncDatabase[Any]
    redis: Redis
    broker: dramatiq.Broker
    settings: Settings
