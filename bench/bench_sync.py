"""Benchmark the sync worker.

    .venv/bin/python bench/bench_sync.py                      # all three parts
    .venv/bin/python bench/bench_sync.py --parts a --shops 3000

(a) worker cost: events parsed, validated and turned into bulk-upsert operations
    (JSON page decoding + `parse_event` + `event_ops` + BSON encoding of the
    operations) per CPU-second of this process, no database involved.
(b) end to end on SecantusDB: a full sync from the simulator with its throttle
    off (``PARTNER_SIM_THROTTLE=0``, worker limiter lifted); items stored per
    second and the share of each stream's time spent awaiting MongoDB.
(c) with the simulator throttled at 4 req/s and the worker at its defaults
    (4 req/s shared limiter): achieved items/s against the 400/s that 4
    requests of 100 allow, and the highest number of requests the simulator saw
    in any one-second window.

SecantusDB, Redis and the simulator are started as child processes on free ports.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import bson
import httpx

NOW = datetime(2026, 7, 15, tzinfo=timezone.utc)
APP_PAGE = 100


def _scenario(shops: int, seed: int = 1) -> dict[str, Any]:
    from partner_sim.generator import generate

    return generate(seed=seed, apps=1, shops=shops, years=2, now=NOW).scenario


def part_a(shops: int) -> dict[str, Any]:
    """Events/CPU-second for decode + parse + validate + upsert ops (+ BSON encoding)."""
    from crm_sync.parse import EVENT_TYPENAMES, parse_event
    from crm_sync.store import event_ops

    scenario = _scenario(shops)
    app_id = scenario["apps"][0]["id"]
    nodes = [{"__typename": EVENT_TYPENAMES[e["type"]], **e} for e in scenario["events"] if e["app"]["id"] == app_id]
    bodies = [
        json.dumps({"data": {"app": {"id": app_id, "events": {
            "edges": [{"cursor": f"c{i + j}", "node": n} for j, n in enumerate(nodes[i:i + APP_PAGE])],
            "pageInfo": {"hasNextPage": True}}}}}).encode()
        for i in range(0, len(nodes), APP_PAGE)
    ]
    now = datetime.now(timezone.utc)
    rounds = max(1, 60_000 // max(1, len(nodes)))
    cpu0 = time.process_time()
    n = 0
    for _ in range(rounds):
        for body in bodies:
            edges = json.loads(body)["data"]["app"]["events"]["edges"]
            docs = [parse_event(app_id, e["node"]) for e in edges]
            ops = event_ops(docs, now)
            n += len(docs)
            assert len(ops) <= len(docs)
    cpu_parse = time.process_time() - cpu0
    cpu0 = time.process_time()
    for body in bodies:  # one round with the driver's BSON encoding of every update
        edges = json.loads(body)["data"]["app"]["events"]["edges"]
        for op in event_ops([parse_event(app_id, e["node"]) for e in edges], now):
            bson.encode(op._doc)  # the update document the driver sends
            bson.encode(op._filter)
    cpu_bson_round = time.process_time() - cpu0
    return {
        "events": n,
        "events_per_cpu_second": round(n / cpu_parse),
        "events_per_cpu_second_with_bson": round(len(nodes) / cpu_bson_round),
        "goal": 10_000,
    }


class _Timer:
    """Sums the time spent awaiting wrapped coroutines, per stream."""

    def __init__(self) -> None:
        self.db: dict[str, float] = defaultdict(float)

    def wrap(self, stream_of: Callable[..., str], fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                self.db[stream_of(*args, **kwargs)] += time.perf_counter() - t0

        return timed


def _no_db_writes(sync_mod: Any) -> None:
    """Replace the page writes by building their operations only (fetch-path measurement)."""
    from crm_sync.store import StoreResult, event_ops, transaction_ops

    async def events(db: Any, docs: list[dict[str, Any]], now: datetime) -> StoreResult:
        return StoreResult(written=len(docs), inserted=len(event_ops(docs, now)))

    async def transactions(db: Any, docs: list[dict[str, Any]], now: datetime) -> StoreResult:
        return StoreResult(written=len(docs), inserted=len(transaction_ops(docs, {}, now)[0]))

    sync_mod.store_events, sync_mod.store_transactions = events, transactions


async def _run_sync(mongo_uri: str, redis_url: str, sim_url: str, scenario: dict[str, Any], rate: float,
                    timer: _Timer | None, write: bool = True, strict: bool = True) -> dict[str, Any]:
    from pymongo import AsyncMongoClient
    from redis.asyncio import Redis

    from crm_shared.store.indexes import ensure_base_indexes
    from crm_shared.token_cipher import new_secret_key

    os.environ.setdefault("CRM_SECRET_KEY", new_secret_key())  # tokens are stored encrypted
    from crm_shared.settings import Settings
    from crm_shared.store.registry import register_organization
    from crm_sync import streams as streams_mod
    from crm_sync import sync as sync_mod
    from crm_sync.client import warm_up

    client: AsyncMongoClient = AsyncMongoClient(mongo_uri, tz_aware=True)
    db = client[f"bench_{int(time.time() * 1000)}"]
    redis = Redis.from_url(redis_url)
    await redis.flushdb()
    await ensure_base_indexes(db)
    org = scenario["organization"]
    await register_organization(db, org["id"], org["name"], org["accessToken"], scenario["apps"], sim_url)
    app_id = scenario["apps"][0]["id"]
    originals = (sync_mod.store_events, sync_mod.store_transactions, streams_mod.state.checkpoint)
    if not write:
        _no_db_writes(sync_mod)
    if timer is not None:
        sync_mod.store_events = timer.wrap(lambda *a, **k: "events", sync_mod.store_events)
        sync_mod.store_transactions = timer.wrap(lambda *a, **k: "transactions", sync_mod.store_transactions)
        streams_mod.state.checkpoint = timer.wrap(lambda db, app, stream, *a, **k: stream,
                                                  streams_mod.state.checkpoint)
    settings = Settings(PARTNER_API_RATE=rate, SYNC_PAGE_SIZE=APP_PAGE, SYNC_RATE_STRICT_WINDOW=strict)
    warm_up()  # what a worker process does once at boot (python -m crm_sync worker), not part of a sync's throughput
    t0 = time.perf_counter()
    outcome = await sync_mod.sync_app(db, redis, app_id, full=False, settings=settings)
    wall = time.perf_counter() - t0
    sync_mod.store_events, sync_mod.store_transactions, streams_mod.state.checkpoint = originals
    st = await db["sync_state"].find_one({"_id": app_id})
    await client.drop_database(db.name)
    await client.close()
    await redis.aclose()
    items = sum(r.items for r in outcome.reports.values())
    return {"wall": wall, "items": items, "events": outcome.reports["events"].items,
            "transactions": outcome.reports["transactions"].items,
                                            "pages": sum(r.pages for r in outcome.reports.values()),
            "stream_done": {k: v.get("completed_at") for k, v in st["streams"].items()}}


def _max_in_window(times: list[float], seconds: float = 1.0) -> int:
    times, best, lo = sorted(times), 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] >= seconds:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parts", default="abc")
    parser.add_argument("--shops", type=int, default=2000, help="shops for (a) and (b)")
    parser.add_argument("--throttled-shops", type=int, default=1500, help="shops for (c)")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    if "a" in args.parts:
        results["a"] = part_a(args.shops)
        print("(a)", json.dumps(results["a"]), flush=True)
    if not ({"b", "c"} & set(args.parts)):
        return 0
    from crm_devstack.processes import ProcessGroup, free_port, start_redis, start_secantus, wait_for_port

    group = ProcessGroup(Path(tempfile.mkdtemp(prefix="bench-sync-")))
    try:
        mongo_uri = start_secantus(group, free_port())
        redis_url = start_redis(group, free_port())
        os.environ.update(MONGODB_URI=mongo_uri, REDIS_URL=redis_url)

        def start_sim(scenario: dict[str, Any], throttle: bool) -> str:
            path = Path(group.log_dir) / f"scenario-{throttle}.json"
            path.write_text(json.dumps(scenario))
            port = free_port()
            proc = group.start(f"sim-{throttle}", [sys.executable, "-m", "partner_sim", "serve", "--port", str(port),
                                                   "--scenario", str(path)],
                               env={"PARTNER_SIM_THROTTLE": "1" if throttle else "0"})
            wait_for_port(port, timeout=120, proc=proc)
            return f"http://127.0.0.1:{port}"

        if "b" in args.parts:
            scenario = _scenario(args.shops, seed=2)
            url = start_sim(scenario, throttle=False)
            timer = _Timer()
            r = asyncio.run(_run_sync(mongo_uri, redis_url, url, scenario, rate=1000.0, timer=timer))
            results["b"] = {"items": r["items"], "events": r["events"], "transactions": r["transactions"],
                            "pages": r["pages"], "wall_s": round(r["wall"], 1),
                            "items_per_s": round(r["items"] / r["wall"]),
                            "events_per_s": round(r["events"] / r["wall"]),
                            "db_wait_share": {k: round(v / r["wall"], 2) for k, v in timer.db.items()}}
            print("(b)", json.dumps(results["b"]), flush=True)
        if "c" in args.parts:
            scenario = _scenario(args.throttled_shops, seed=3)
            url = start_sim(scenario, throttle=True)
            for label, write, strict in (("c: fetch path (writes built, not sent), strict window", False, True),
                                         ("c: fetch path (writes built, not sent), spacing only", False, False),
                                         ("c: with SecantusDB writes, strict window", True, True)):
                httpx.post(f"{url}/_admin/reset", timeout=30)
                r = asyncio.run(_run_sync(mongo_uri, redis_url, url, scenario, rate=4.0, timer=None, write=write,
                                          strict=strict))
                log = httpx.get(f"{url}/_admin/requests", timeout=30).json()
                times = [e["t"] for e in log]
                span = max(times) - min(times)
                results[label] = {
                    "items": r["items"], "requests": len(log), "wall_s": round(r["wall"], 1),
                    "requests_per_s": round(len(log) / r["wall"], 2), "items_per_s": round(r["items"] / r["wall"], 1),
                    "share_of_4_req_per_s": round(len(log) / r["wall"] / 4, 3),
                    "share_of_400_items_per_s": round(r["items"] / r["wall"] / 400, 3),
                    "share_of_4_req_per_s_first_to_last_request": round((len(log) - 1) / span / 4, 3),
                    "throttled": sum(1 for e in log if e.get("throttled")),
                    "max_requests_in_any_1s": _max_in_window(times)}
                print(f"({label})", json.dumps(results[label]), flush=True)
    finally:
        group.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
