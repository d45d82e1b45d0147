"""kill -9 of the delivering worker mid-delivery: a second worker (woken by the scheduler's sweep) sends what
the first left, so every event arrives at least once, each with its stable id."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from crm_shared.alerts import endpoints as ops
from crm_shared.alerts.emit import record_sync_failed
from crm_shared.broker import make_broker
from crm_shared.messages import DeliverWebhooks, send
from crm_shared.store import webhook_deliveries
from tests.alerts.conftest import ORG, AlertEnv
from tests.alerts.receiver import Receiver
from tests.alerts.scenario import T0
from tests.analytics.raw_factory import APP

EVENTS = 30


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[Any]]]:
    started: list[subprocess.Popen[Any]] = []
    try:
        yield started
    finally:
        for p in started:
            if p.poll() is None:
                p.terminate()
        for p in started:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def start(argv: list[str], env: dict[str, str], log: Path, processes: list[subprocess.Popen[Any]]
          ) -> subprocess.Popen[Any]:
    proc = subprocess.Popen([sys.executable, "-m", "crm_analytics", *argv], env=env, stdout=log.open("ab"),
                            stderr=subprocess.STDOUT)
    processes.append(proc)
    return proc


def wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


async def test_killing_the_delivering_worker_loses_no_event(env: AlertEnv, redis_url: str, mongo_uri: str,
                                                           tmp_path: Path, processes: list[Any]) -> None:
    receiver = Receiver(delay=0.2).start()
    try:
        doc, _ = await ops.create_endpoint(env.db, ORG, ops.EndpointInput(url=receiver.url), production=False,
                                           now=T0)
        for i in range(EVENTS):
            await record_sync_failed(env.db, APP, f"run-{i:03d}", "PermanentError: 401", T0 + timedelta(minutes=1))
        expected = {d["event_id"] for d in await webhook_deliveries.of_endpoint(env.db, doc["_id"], 100)}
        assert len(expected) == EVENTS

        worker_env = {**os.environ, "MONGODB_URI": mongo_uri, "MONGODB_DB": env.db.name, "REDIS_URL": redis_url,
                      "WEBHOOK_LEASE_SECONDS": "2", "WEBHOOK_CONCURRENCY": "2", "WEBHOOK_BACKOFF_SECONDS": "0.5",
                      "WEBHOOK_SWEEP_SECONDS": "1", "ANALYTICS_WORKER_THREADS": "2",
                      "ANALYTICS_REFRESH_SECONDS": "3600", "CRM_PARENT_PID": str(os.getpid()), "LOG_LEVEL": "INFO"}
        log = tmp_path / "workers.log"
        first = start(["worker", "--queue", "webhooks"], worker_env, log, processes)
        broker = make_broker(redis_url)
        send(broker, DeliverWebhooks(endpoint_id=doc["_id"]))
        wait_until(lambda: len(receiver.received) >= 5, 60, "the first deliveries")
        first.send_signal(signal.SIGKILL)  # mid-delivery: requests in flight, outcomes not written
        first.wait(timeout=10)
        arrived_before = set(receiver.ids())
        assert len(arrived_before) < EVENTS, "the worker finished before it was killed: the test proved nothing"

        start(["worker", "--queue", "webhooks"], worker_env, log, processes)
        start(["scheduler"], worker_env, log, processes)  # its sweep wakes the endpoint again
        wait_until(lambda: expected <= set(receiver.ids()), 90, f"every event (log: {log})")
        broker.close()

        for r in receiver.received:
            assert r.json()["id"] == r.headers["crm-event-id"] and r.headers["crm-event-id"] in expected
        states = {d["state"] for d in await webhook_deliveries.of_endpoint(env.db, doc["_id"], 100)}
        deadline = time.monotonic() + 30
        while states != {"delivered"} and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            states = {d["state"] for d in await webhook_deliveries.of_endpoint(env.db, doc["_id"], 100)}
        assert states == {"delivered"}
    finally:
        receiver.stop()


async def test_the_analytics_worker_process_derives_records_and_delivers(
        env: AlertEnv, redis_url: str, mongo_uri: str, tmp_path: Path, processes: list[Any]) -> None:
    """The production path in processes: a customers_changed message to `python -m crm_analytics worker` (both
    queues) ends at the receiver, signed."""
    from crm_shared.alerts import signing
    from crm_shared.messages import CustomersChanged
    from tests.alerts.scenario import NEW_SHOP, first_import
    from tests.analytics.raw_factory import charge, store

    receiver = Receiver().start()
    try:
        raw = await first_import(env.db, env.job)
        doc, secret = await ops.create_endpoint(env.db, ORG, ops.EndpointInput(url=receiver.url), production=False,
                                                now=T0 + timedelta(minutes=1))
        worker_env = {**os.environ, "MONGODB_URI": mongo_uri, "MONGODB_DB": env.db.name, "REDIS_URL": redis_url,
                      "CRM_NOW": (T0 + timedelta(hours=1)).isoformat(), "ANALYTICS_DEBOUNCE_SECONDS": "1",
                      "ANALYTICS_WORKER_THREADS": "2", "CRM_PARENT_PID": str(os.getpid()), "LOG_LEVEL": "INFO"}
        start(["worker"], worker_env, tmp_path / "worker.log", processes)
        raw.event(NEW_SHOP, "RelationshipInstalled", "RELATIONSHIP_INSTALLED", T0 + timedelta(minutes=10))
        raw.subscription(NEW_SHOP, "SUBSCRIPTION_CHARGE_ACTIVATED", T0 + timedelta(minutes=15),
                         charge(5001, "Pro", "29.00", "USD", T0 + timedelta(minutes=15, days=3)))
        shop = f"gid://partners/Shop/{NEW_SHOP}"
        await store(env.db, raw, {shop})
        broker = make_broker(redis_url)
        send(broker, CustomersChanged(app_id=APP, shop_ids=[shop]))
        broker.close()
        wait_until(lambda: {"customer.installed", "customer.trial_started"} <= {
            r.headers.get("crm-event-type") for r in receiver.received}, 90, f"the alerts (log: {tmp_path})")
        for r in receiver.received:
            assert signing.verify(secret, r.headers["crm-signature"], r.body, time.time())
            assert r.json()["data"]["customer"]["shopId"] == shop
    finally:
        receiver.stop()


async def test_the_worker_retries_by_itself_until_a_receiver_is_back(
        env: AlertEnv, redis_url: str, mongo_uri: str, tmp_path: Path, processes: list[Any]) -> None:
    """No scheduler: the worker's own delayed wake-up messages (exponential backoff) bring the retries."""
    down = Receiver().start()
    port = down.port
    down.stop()
    doc, _ = await ops.create_endpoint(env.db, ORG, ops.EndpointInput(url=f"http://127.0.0.1:{port}/hook"),
                                       production=False, now=T0)
    for i in range(5):
        await record_sync_failed(env.db, APP, f"run-{i}", "PermanentError: 401", T0 + timedelta(minutes=1))
    worker_env = {**os.environ, "MONGODB_URI": mongo_uri, "MONGODB_DB": env.db.name, "REDIS_URL": redis_url,
                  "WEBHOOK_BACKOFF_SECONDS": "0.5", "WEBHOOK_BACKOFF_MAX_SECONDS": "2",
                  "ANALYTICS_WORKER_THREADS": "2", "CRM_PARENT_PID": str(os.getpid()), "LOG_LEVEL": "INFO"}
    start(["worker", "--queue", "webhooks"], worker_env, tmp_path / "worker.log", processes)
    broker = make_broker(redis_url)
    send(broker, DeliverWebhooks(endpoint_id=doc["_id"]))
    broker.close()

    async def attempted() -> bool:
        return any(d.get("attempts", 0) >= 2 for d in await webhook_deliveries.of_endpoint(env.db, doc["_id"], 10))
    deadline = time.monotonic() + 60
    while not await attempted():  # at least one retry happened while the receiver was down
        assert time.monotonic() < deadline, f"no retry (log: {tmp_path})"
        await asyncio.sleep(0.05)
    back = Receiver(port=port).start()
    try:
        wait_until(lambda: len(set(back.ids())) == 5, 60, f"the retries to arrive (log: {tmp_path})")
    finally:
        back.stop()
    deadline = time.monotonic() + 30
    docs = await webhook_deliveries.of_endpoint(env.db, doc["_id"], 10)
    while {d["state"] for d in docs} != {"delivered"}:
        assert time.monotonic() < deadline, "the deliveries were not recorded as delivered"
        await asyncio.sleep(0.05)
        docs = await webhook_deliveries.of_endpoint(env.db, doc["_id"], 10)
    # a delivery that failed while the receiver was down, was retried, and then arrived
    assert any(d["log"][0]["status_code"] is None and d["log"][-1]["status_code"] == 200 and d["attempts"] >= 2
               for d in docs)
