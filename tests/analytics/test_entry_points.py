"""The launcher's entry points: ``python -m crm_analytics rebuild`` and ``worker``."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from crm_devstack.processes import ProcessGroup
from crm_shared.broker import make_broker
from crm_shared.clock import to_iso
from crm_shared.messages import CustomersChanged, send
from crm_shared.mongo import APP_SUMMARIES, CUSTOMERS
from tests.analytics.raw_factory import NOW, store, synthetic_app


def env_for(db: AsyncDatabase, **extra: str) -> dict[str, str]:
    return {**os.environ, "MONGODB_DB": db.name, "CRM_NOW": to_iso(NOW), **extra}


async def test_rebuild_command_recomputes_one_app_from_raw_data(db: AsyncDatabase, redis_client: Any) -> None:
    raw = synthetic_app(15, seed=31)
    await store(db, raw)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "crm_analytics", "rebuild", "--app", raw.app_id, env=env_for(db),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=240)
    assert proc.returncode == 0, out.decode()
    assert f"rebuilt {len(raw.shop_ids())} customers" in out.decode()
    assert await db[CUSTOMERS].count_documents({"app_id": raw.app_id}) == len(raw.shop_ids())
    assert await db[APP_SUMMARIES].find_one({"_id": raw.app_id}) is not None


async def test_worker_command_consumes_customers_changed(db: AsyncDatabase, redis_url: str, redis_client: Any,
                                                         tmp_path: Path) -> None:
    raw = synthetic_app(6, seed=41)
    await store(db, raw)
    group = ProcessGroup(tmp_path / "logs")
    proc = group.start("analytics-worker", [sys.executable, "-m", "crm_analytics", "worker"],
                       env_for(db, ANALYTICS_DEBOUNCE_SECONDS="0.5", ANALYTICS_WORKER_THREADS="1"))
    broker = make_broker(redis_url)
    try:
        send(broker, CustomersChanged(app_id=raw.app_id, shop_ids=raw.shop_ids()))
        deadline = time.monotonic() + 240
        summary = None
        while time.monotonic() < deadline and summary is None:
            summary = await db[APP_SUMMARIES].find_one({"_id": raw.app_id})
            await asyncio.sleep(0.3)
        assert summary is not None, "the worker never recomputed the app"
        assert await db[CUSTOMERS].count_documents({"app_id": raw.app_id}) == len(raw.shop_ids())
    finally:
        broker.close()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        finally:
            assert group.stop() == []
    assert proc.returncode == 0
