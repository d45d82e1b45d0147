"""A small real stack per fault test: a generated organization (with the generator's ground truth), the
simulator, both workers, schedulers and the gateway, plus helpers to kill and restart parts of it and to read
what ended up in MongoDB."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import redis
from bson import Decimal128
from pymongo import MongoClient
from pymongo.errors import PyMongoError

from crm_analytics.locking import key as analytics_key
from crm_devstack.proc_table import alive, descendants
from crm_devstack.processes import free_port
from crm_devstack.stack import RunningStack, StackConfig, start_stack
from crm_shared.broker import make_broker
from crm_shared.messages import BackfillApp, RebuildApp, SyncApp, send
from tests.customer.test_generator_ground_truth import FIELDS, derived_row
from tests.waiting import wait_for

PY = sys.executable
EXIT_BUSY = 2  # crm_sync.cli: another worker holds the app lease
NOW = "2026-03-01T00:00:00Z"
APP = "gid://partners/App/101"

# Small pages and short leases so a test sees many checkpoints and a killed worker's lease expires quickly.
FAST_ENV = {
    "SYNC_PAGE_SIZE": "10",
    "SYNC_LEASE_SECONDS": "3",
    "SYNC_MAX_BACKOFF": "2",
    "SYNC_BACKFILL_WINDOW_DAYS": "120",
    "ANALYTICS_DEBOUNCE_SECONDS": "1",
    "ANALYTICS_LOCK_SECONDS": "3",
    "ANALYTICS_BATCH_SIZE": "5",
    "LOG_LEVEL": "INFO",
}
WORKER_ARGV = {
    "sync-worker": [PY, "-m", "crm_sync", "worker"],
    "analytics-worker": [PY, "-m", "crm_analytics", "worker"],
}


def generate_org(directory: Path, seed: int, shops: int, years: float = 1.5) -> tuple[Path, list[dict[str, Any]]]:
    """`partner_sim generate` one app; returns the scenario path and the ground truth rows."""
    scenario, truth = directory / f"org-{seed}-{shops}.json", directory / f"truth-{seed}-{shops}.json"
    if not scenario.exists():
        subprocess.run([PY, "-m", "partner_sim", "generate", "--out", str(scenario), "--truth-out", str(truth),
                        "--seed", str(seed), "--apps", "1", "--shops", str(shops), "--years", str(years),
                        "--now", NOW], check=True, capture_output=True)
    return scenario, json.loads(truth.read_text())


@dataclass
class FaultStack:
    """A running stack and what the test needs to check it."""

    running: RunningStack
    scenario_path: Path
    truth: list[dict[str, Any]]
    data_dir: Path
    mongo: MongoClient = field(init=False)

    def __post_init__(self) -> None:
        self.mongo = MongoClient(self.running.env["MONGODB_URI"], tz_aware=True, serverSelectionTimeoutMS=5000)

    @property
    def env(self) -> dict[str, str]:
        return self.running.env

    @property
    def db(self) -> Any:
        return self.mongo[self.env["MONGODB_DB"]]

    @property
    def sim_url(self) -> str:
        return self.env["PARTNER_API_URL"]

    def proc(self, name: str) -> subprocess.Popen[bytes]:
        return next(p for n, p in self.running.group.procs if n == name)

    def kill9(self, name: str) -> None:
        """SIGKILL the process `name` (a worker is one process: no child of it may survive it)."""
        orphans_to_be = descendants(self.proc(name).pid)
        self.running.group.stop_one(name, signal.SIGKILL)
        assert not [p for p in orphans_to_be if alive(p)], f"{name} left processes behind when killed"

    def restart(self, name: str) -> None:
        self.running.group.start(name, WORKER_ARGV[name], self.env)

    def send(self, payload: Any) -> None:
        broker = make_broker(self.env["REDIS_URL"])
        try:
            send(broker, payload)
        finally:
            broker.close()

    def sync_state(self) -> dict[str, Any]:
        return self.db.sync_state.find_one({"_id": APP}) or {}

    def raw_counts(self) -> tuple[int, int]:
        return self.db.partner_events.count_documents({}), self.db.partner_transactions.count_documents({})

    def sim_admin(self, path: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{self.sim_url}/_admin/{path}"
        r = httpx.post(url, json=body or {}, timeout=30) if body is not None else httpx.get(url, timeout=30)
        r.raise_for_status()
        return r.json()

    def stop(self) -> None:
        """Stop the stack; fails when any of its processes survives."""
        self.mongo.close()
        survivors = self.running.stop()
        self.mongo_drop()
        assert not survivors, f"processes of the stack survived its stop: {survivors}"

    def mongo_drop(self) -> None:
        try:
            with MongoClient(self.env["MONGODB_URI"], serverSelectionTimeoutMS=5000) as c:
                c.drop_database(self.env["MONGODB_DB"])
        except PyMongoError:  # a private server the test stopped; nothing left to drop
            pass


def start_fault_stack(tmp: Path, mongodb_uri: str, redis_url: str | None = None, seed: int = 7, shops: int = 60,
                      extra_env: dict[str, str] | None = None) -> FaultStack:
    """A stack on its own database (on the given MongoDB) serving a generated organization.

    The stack gets a Redis of its own unless `redis_url` is given: stacks share the app id, and on a shared
    Redis one stack's queued, delayed or unacknowledged messages, leases and scheduler slots would reach the
    next stack's workers."""
    scenario, truth = generate_org(tmp, seed, shops)
    config = StackConfig(
        data_dir=tmp / "stack", gateway_port=free_port(), sim_port=free_port(), scenario=scenario,
        mongodb_uri=mongodb_uri, redis_url=redis_url, now=NOW, bootstrap_api_key=f"crm_faults_{uuid.uuid4().hex}",
        extra_env={"MONGODB_DB": f"faults_{uuid.uuid4().hex[:10]}", **FAST_ENV, **(extra_env or {})},
    )
    return FaultStack(running=start_stack(config), scenario_path=scenario, truth=truth, data_dir=tmp / "stack")


def raw_snapshot(db: Any) -> dict[str, Any]:
    """The raw collections without bookkeeping times: what the Partner API said, keyed by natural key."""
    events = {d["_id"]: (d["type"], d["shop_id"], d["charge_id"], d["occurred_at"],
              json.dumps(d["node"], sort_keys=True))
              for d in db.partner_events.find({})}
    txns = {d["_id"]: (d["type"], str(d["gross_amount"]), str(d["net_amount"]), json.dumps(d["node"], sort_keys=True),
                       [json.dumps(r["node"], sort_keys=True) for r in d.get("restatements") or []])
            for d in db.partner_transactions.find({})}
    return {"events": events, "transactions": txns}


def customers_snapshot(db: Any) -> dict[str, Any]:
    """Every customer document without its computation time."""
    return {d["_id"]: {k: v for k, v in d.items() if k != "computed_at"} for d in db.customers.find({})}


def ground_truth_disagreements(db: Any, truth: list[dict[str, Any]]) -> list[Any]:
    """(shop, field, truth, derived) for every ground-truth field the stored customers get wrong."""
    stored = {(d["app_id"], d["shop_id"]): d for d in db.customers.find({})}
    wrong: list[Any] = []
    for row in truth:
        doc = stored.get((row["app_id"], row["shop_id"]))
        if doc is None:
            wrong.append((row["shop_id"], "missing", None, None))
            continue
        got = derived_row({k: v.to_decimal() if isinstance(v, Decimal128) else v for k, v in doc.items()})
        wrong += [(row["shop_id"], f, row[f], got[f]) for f in FIELDS if f in row and row[f] != got[f]]
    return wrong


def analytics_busy(stack: FaultStack) -> list[str]:
    """What the analytics worker still has to do for the app: a rebuild or recompute running (``lock``),
    scheduled (``due``), shops waiting (``pending``), or messages not yet acknowledged, immediate or delayed
    (dramatiq keeps a message in its queue's hash until it is acknowledged)."""
    with redis.Redis.from_url(stack.env["REDIS_URL"]) as r:
        busy = [name for name in ("lock", "due", "pending") if r.exists(analytics_key(APP, name))]
        busy += [queue for queue in ("analytics", "analytics.DQ") if r.hlen(f"dramatiq:{queue}.msgs")]
        return busy


def wait_until_converged(stack: FaultStack, timeout: float = 240.0) -> None:
    """Sync idle with a completed run, every ground-truth customer derived as the generator says, and the analytics
    worker idle (nothing running, scheduled or pending for the app)."""
    def probe() -> Any:
        state = stack.sync_state()
        seen["state"] = {k: state.get(k) for k in ("state", "last_synced_at", "last_error", "progress",
                                                    "events_synced", "transactions_synced")}
        seen["raw"] = stack.raw_counts()
        if state.get("state") != "IDLE" or not state.get("last_synced_at"):
            return None
        wrong = ground_truth_disagreements(stack.db, stack.truth)
        seen["wrong"] = (len(wrong), wrong[:3])
        if wrong:
            return None
        # The customers are right; wait for the app-level recompute that follows them (it updates segments).
        seen["analytics_busy"] = analytics_busy(stack)
        return not seen["analytics_busy"] or None

    seen: dict[str, Any] = {}
    try:
        wait_for("sync and derivation to converge on the ground truth", probe, timeout)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; seen: {seen}") from None


def uninterrupted_raw(stack: FaultStack) -> dict[str, Any]:
    """Raw collections of a full backfill run start to finish in the foreground (`python -m crm_sync sync --full`)
    into a fresh database, against the same simulator."""
    name = stack.env["MONGODB_DB"] + "_ref"
    scenario = json.loads(stack.scenario_path.read_text())
    env = {**os.environ, **stack.env, "MONGODB_DB": name}
    org = scenario["organization"]
    register = (
        "import asyncio,json,sys\n"
        "from pymongo import AsyncMongoClient\n"
        "from crm_shared.store.registry import register_organization\n"
        "async def main():\n"
        "    c = AsyncMongoClient(sys.argv[1], tz_aware=True)\n"
        "    await register_organization(c[sys.argv[2]], sys.argv[3], 'ref', sys.argv[4], json.loads(sys.argv[5]))\n"
        "    await c.close()\n"
        "asyncio.run(main())\n"
    )
    subprocess.run([PY, "-c", register, stack.env["MONGODB_URI"], name, str(org["id"]), org["accessToken"],
                    json.dumps(scenario["apps"])], check=True, env=env, capture_output=True)
    def run_once() -> bool:
        done = subprocess.run([PY, "-m", "crm_sync", "sync", "--app", APP, "--full"], env=env,
                              capture_output=True, timeout=600)
        if done.returncode not in (0, EXIT_BUSY):
            raise AssertionError(done.stderr.decode()[-2000:])
        return done.returncode == 0

    # Leases are per app in Redis: wait while a redelivered message of the killed worker still holds the app.
    wait_for("the reference backfill to get the app lease", run_once, timeout=240, interval=1.0)
    try:
        return raw_snapshot(stack.mongo[name])
    finally:
        stack.mongo.drop_database(name)


__all__ = ["APP", "BackfillApp", "FaultStack", "RebuildApp", "SyncApp", "customers_snapshot", "generate_org",
           "ground_truth_disagreements", "raw_snapshot", "start_fault_stack", "uninterrupted_raw",
           "wait_for", "wait_until_converged"]
