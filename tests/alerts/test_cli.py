"""`crm webhooks` as an operator runs it (a subprocess on the suite's MongoDB and Redis): the secret is printed
once and stored only encrypted; production refuses unsafe URLs; list, disable, enable, replay."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from datetime import timedelta

from crm_shared.alerts.emit import record_sync_failed
from crm_shared.store import webhook_deliveries, webhook_endpoints
from tests.alerts.conftest import ORG, AlertEnv
from tests.alerts.scenario import T0
from tests.analytics.raw_factory import APP
from tests.connect.test_crm_cli import run_in_process


async def crm(env: AlertEnv, mongo_uri: str, redis_url: str, *argv: str, production: bool = False
              ) -> subprocess.CompletedProcess[str]:
    """`crm webhooks argv` as the console script runs it (its own event loop, in a thread of this process)."""
    environ = {**os.environ, "MONGODB_URI": mongo_uri, "MONGODB_DB": env.db.name, "REDIS_URL": redis_url,
               "CRM_ENV": "production" if production else "development", "CRM_NOW": T0.isoformat()}
    return await asyncio.to_thread(run_in_process, ["webhooks", *argv], environ, "")


async def test_crm_webhooks_commands(env: AlertEnv, mongo_uri: str, redis_url: str) -> None:
    made = await crm(env, mongo_uri, redis_url, "create", "--org", ORG, "--url", "http://127.0.0.1:9/hook",
                     "--event", "sync.failed", "--app", APP, "--format", "json")
    assert made.returncode == 0, made.stderr
    endpoint_id = re.search(r"endpoint (whe_[0-9a-f]+)", made.stdout).group(1)  # type: ignore[union-attr]
    secret = re.search(r"(whsec_\S+)", made.stdout).group(1)  # type: ignore[union-attr]
    doc = await webhook_endpoints.get(env.db, endpoint_id, ORG)
    assert doc is not None and doc["event_types"] == ["sync.failed"] and doc["app_ids"] == [APP]
    assert secret not in str(doc) and webhook_endpoints.secret_of(doc) == secret  # encrypted at rest

    refused = await crm(env, mongo_uri, redis_url, "create", "--org", ORG, "--url", "http://hooks.example.com/x",
                        production=True)
    assert refused.returncode == 1 and "https" in refused.stderr
    private = await crm(env, mongo_uri, redis_url, "create", "--org", ORG, "--url", "https://10.1.1.1/x",
                        production=True)
    assert private.returncode == 1 and "private" in private.stderr

    listed = await crm(env, mongo_uri, redis_url, "list", "--org", ORG)
    assert listed.returncode == 0 and endpoint_id in listed.stdout and "enabled" in listed.stdout
    assert (await crm(env, mongo_uri, redis_url, "disable", endpoint_id, "--org", ORG)).returncode == 0
    assert (await webhook_endpoints.get(env.db, endpoint_id))["enabled"] is False  # type: ignore[index]
    await record_sync_failed(env.db, APP, "run-1", "PermanentError: 401", T0 + timedelta(minutes=1))
    assert await webhook_deliveries.of_endpoint(env.db, endpoint_id, 5) == []  # disabled: nothing queued
    assert (await crm(env, mongo_uri, redis_url, "enable", endpoint_id, "--org", ORG)).returncode == 0
    replayed = await crm(env, mongo_uri, redis_url, "replay", endpoint_id, "--org", ORG, "--from",
                         "2000-01-01T00:00:00Z")
    assert replayed.returncode == 0 and "1 deliveries queued" in replayed.stdout, replayed.stderr
    unknown = await crm(env, mongo_uri, redis_url, "replay", endpoint_id, "--org", ORG, "--event", "evt_nope")
    assert unknown.returncode == 1 and "no event" in unknown.stderr
    other = await crm(env, mongo_uri, redis_url, "disable", endpoint_id, "--org", "7002")
    assert other.returncode == 1 and "no webhook endpoint" in other.stderr
    log = await crm(env, mongo_uri, redis_url, "deliveries", endpoint_id, "--org", ORG)
    assert log.returncode == 0 and "sync.failed" in log.stdout and "pending" in log.stdout
