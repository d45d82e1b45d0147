"""`GET /healthz` (the process answers) and `GET /readyz` (MongoDB and Redis answer; 503 otherwise)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis
from pymongo.asynchronous.database import AsyncDatabase
from starlette.requests import Request
from starlette.responses import JSONResponse

from crm_gateway.list_index.manager import ListIndex

PING_TIMEOUT = 2.0


async def healthz(request: Request) -> JSONResponse:
    """Liveness: always 200 while the process serves requests."""
    return JSONResponse({"status": "ok"})


def make_readyz(db: Callable[[], AsyncDatabase], redis_url: Callable[[], str],
                index: ListIndex | None = None) -> Callable[..., Any]:
    """Readiness endpoint pinging MongoDB and Redis, and telling which apps' list indexes are warming (their
    lists are served from MongoDB meanwhile, so warming does not make the gateway unready)."""

    async def mongo_ok() -> bool:
        try:
            await asyncio.wait_for(db().command("ping"), PING_TIMEOUT)
            return True
        except Exception:  # noqa: BLE001 - any failure means not ready
            return False

    async def redis_ok() -> bool:
        client = aioredis.Redis.from_url(redis_url(), socket_connect_timeout=PING_TIMEOUT,
                                         socket_timeout=PING_TIMEOUT)
        try:
            return bool(await asyncio.wait_for(client.ping(), PING_TIMEOUT))
        except Exception:  # noqa: BLE001
            return False
        finally:
            await client.aclose()

    async def readyz(request: Request) -> JSONResponse:
        mongo, redis_ = await asyncio.gather(mongo_ok(), redis_ok())
        ready = mongo and redis_
        body: dict[str, Any] = {"status": "ready" if ready else "unavailable",
                                "checks": {"mongodb": mongo, "redis": redis_}}
        if index is not None:
            body["list_index"] = index.status()
        return JSONResponse(body, status_code=200 if ready else 503)

    return readyz
