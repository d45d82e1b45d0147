"""Alerts: write-to-receiver latency, sustained delivery rate with the worker's CPU per event, and the extra
cost of the diff and the outbox on a customer rebuild (docs/alerts.md).

    .venv/bin/python bench/bench_alerts.py [--latency-samples 60] [--events 3000] [--rebuild-customers 500]
                                           [--repeat 5]

Everything runs on a private SecantusDB and redis-server (or CRM_BENCH_MONGODB_URI / CRM_BENCH_REDIS_URL):

1. **Latency**: one new install at a time goes through the analytics worker's write path
   (`crm_analytics.customer_rebuild.rebuild_customers`: derive, diff, events + outbox, customer write, the
   `deliver_webhooks` message); a real delivery worker process (`python -m crm_analytics worker --queue
   webhooks`) sends it to a local receiver (a uvicorn process that stamps each request's arrival). Latency =
   arrival − the moment the customer write returned (goal: p95 ≤ 2 s).
2. **Sustained delivery**: `--events` events recorded at once for one endpoint (their deliveries in the outbox),
   one message, the same worker process delivers them all; events/s = events ÷ (last arrival − message sent),
   and the worker process's CPU (user + system, from /proc) per event (goal ≥ 300 events/s).
3. **Rebuild cost**: `rebuild_customers` over `--rebuild-customers` stored customers, with alerts and with the
   alert calls replaced by the previous code path (read segments only, no diff, no outbox), median of
   `--repeat` runs each, in two cases: nothing changed (the diff finds nothing) and one new timeline entry per
   customer (one event and one outbox delivery each). Reported in µs per customer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

RECEIVER = textwrap.dedent('''
    import json, sys, time
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import Response, JSONResponse
    from starlette.routing import Route
    seen = []
    async def hook(request):
        await request.body()
        seen.append((request.headers.get("crm-event-id"), time.time()))
        return Response(b"ok")
    async def stats(request):
        return JSONResponse(seen)
    async def reset(request):
        seen.clear()
        return Response(b"ok")
    app = Starlette(routes=[Route("/hook", hook, methods=["POST"]), Route("/stats", stats),
                            Route("/reset", reset, methods=["POST"])])
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
''')


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (from /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def wait_for_port(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as c:
        while True:
            try:
                await c.get(url)
                return
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)


async def run(args: argparse.Namespace, mongo_uri: str, redis_url: str, workdir: Path) -> None:
    from pymongo import AsyncMongoClient

    from crm_analytics import customer_rebuild
    from crm_analytics.customer_rebuild import rebuild_customers
    from crm_devstack.processes import free_port
    from crm_shared.alerts import emit
    from crm_shared.alerts import endpoints as ops
    from crm_shared.analytics.segments import SegmentContext
    from crm_shared.broker import make_broker
    from crm_shared.messages import DeliverWebhooks, send
    from crm_shared.mongo import CUSTOMERS
    from crm_shared.store import customer_events, customers, webhook_deliveries
    from crm_shared.store.registry import register_organization
    from tests.analytics.raw_factory import APP, NOW, START, store, synthetic_app

    client: AsyncMongoClient[Any] = AsyncMongoClient(mongo_uri, tz_aware=True)
    db = client[f"bench_alerts_{os.getpid()}"]
    broker = make_broker(redis_url)
    procs: list[subprocess.Popen[Any]] = []
    try:
        await register_organization(db, "9001", "Bench", "tok", [{"id": APP, "name": "Benchy"}])
        await emit.ensure_indexes(db)
        port = free_port()
        procs.append(subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)]))
        hook = f"http://127.0.0.1:{port}/hook"
        await wait_for_port(f"http://127.0.0.1:{port}/stats")
        env = {**os.environ, "MONGODB_URI": mongo_uri, "MONGODB_DB": db.name, "REDIS_URL": redis_url,
               "ANALYTICS_WORKER_THREADS": "4", "LOG_LEVEL": "WARNING", "CRM_PARENT_PID": str(os.getpid())}
        worker = subprocess.Popen([sys.executable, "-m", "crm_analytics", "worker", "--queue", "webhooks"], env=env,
                                  stdout=(workdir / "worker.log").open("ab"), stderr=subprocess.STDOUT)
        procs.append(worker)
        endpoint, _ = await ops.create_endpoint(db, "9001", ops.EndpointInput(url=hook), production=False,
                                                now=START)
        http = httpx.AsyncClient()

        async def arrivals() -> dict[str, float]:
            return {i: t for i, t in (await http.get(f"http://127.0.0.1:{port}/stats")).json()}

        # -- 1. latency --------------------------------------------------------------------------------------
        await customer_events.baseline(db, APP, START)
        await customer_events.mark_segments_live(db, APP, START)
        raw = synthetic_app(1)
        await store(db, raw)

        def notify(endpoints: set[str]) -> None:
            for e in endpoints:
                send(broker, DeliverWebhooks(endpoint_id=e))

        latencies: list[float] = []
        for i in range(args.latency_samples):
            n = 10_000 + i
            at = NOW - timedelta(hours=1) + timedelta(seconds=i)
            raw.event(n, "RelationshipInstalled", "RELATIONSHIP_INSTALLED", at)
            shop = f"gid://partners/Shop/{n}"
            await store(db, raw, {shop})
            await rebuild_customers(db, APP, [shop], NOW, SegmentContext(), notify)
            written = time.time()
            (event_id,) = [e["_id"] async for e in db[customer_events.COLLECTION].find(
                {"shop_id": shop, "type": "customer.installed"}, {"_id": 1})]
            deadline = time.monotonic() + 30
            while (got := (await arrivals()).get(event_id)) is None:
                if time.monotonic() > deadline:
                    raise SystemExit(f"event {event_id} never arrived (see {workdir / 'worker.log'})")
                await asyncio.sleep(0.005)
            latencies.append(got - written)
        print(f"1. write -> receiver latency over {len(latencies)} single installs: p50 "
              f"{statistics.median(latencies) * 1000:.0f} ms, p95 {pct(latencies, 0.95) * 1000:.0f} ms, "
              f"max {max(latencies) * 1000:.0f} ms (goal p95 <= 2000 ms)")

        # -- 2. sustained delivery ---------------------------------------------------------------------------
        await http.post(f"http://127.0.0.1:{port}/reset")
        docs = []
        for i in range(args.events):
            shop = f"gid://partners/Shop/{200_000 + i}"
            docs.append({"_id": f"{APP}|{shop}", "app_id": APP, "shop_id": shop, "name": f"Shop {i}",
                         "domain": f"s{i}.myshopify.com", "status": "FREE", "plan": "Free", "segments": [],
                         "timeline": [{"type": "INSTALLED", "occurred_at": NOW - timedelta(minutes=30),
                                       "charge_id": None}]})
        await emit.record_customer_changes(db, APP, {}, docs, NOW)  # recorded, no message yet
        pending = (await webhook_deliveries.counts(db, endpoint["_id"]))["pending"]
        assert pending == args.events, pending
        cpu_before = cpu_seconds(worker.pid)
        sent = time.time()
        send(broker, DeliverWebhooks(endpoint_id=endpoint["_id"]))
        deadline = time.monotonic() + 600
        while len(got_all := await arrivals()) < args.events:
            if time.monotonic() > deadline:
                raise SystemExit("sustained delivery did not finish in 600 s")
            await asyncio.sleep(0.2)
        last = max(got_all.values())
        while (await webhook_deliveries.counts(db, endpoint["_id"]))["pending"]:
            await asyncio.sleep(0.1)
        cpu = cpu_seconds(worker.pid) - cpu_before
        rate = args.events / (last - sent)
        print(f"2. sustained delivery of {args.events} events to one endpoint (WEBHOOK_CONCURRENCY 4): "
              f"{rate:.0f} events/s, worker CPU {cpu / args.events * 1000:.2f} ms/event "
              f"({cpu:.1f} CPU-s, {last - sent:.1f} s wall; goal >= 300 events/s)")

        # -- 3. rebuild cost ---------------------------------------------------------------------------------
        rebuild_app = "gid://partners/App/502"
        await register_organization(db, "9001", "Bench", "tok", [{"id": APP, "name": "Benchy"},
                                                                 {"id": rebuild_app, "name": "Rebuildy"}])
        raw_many = synthetic_app(args.rebuild_customers, app_id=rebuild_app)
        await store(db, raw_many)
        shops = raw_many.shop_ids()
        await customer_events.baseline(db, rebuild_app, START - timedelta(days=1))
        await customer_events.mark_segments_live(db, rebuild_app, START)

        original_old, original_record = emit.old_customers, emit.record_customer_changes

        async def previous_read(database: Any, keys: list[str]) -> dict[str, Any]:
            return {k: {"segments": v} for k, v in (await customers.segments_of(database, keys)).items()}

        async def no_record(*_a: Any, **_k: Any) -> set[str]:
            return set()

        async def timed(with_alerts: bool, pop_last: bool) -> float:
            if pop_last:  # every stored customer loses its last timeline entry: the rebuild finds one new each
                await db[CUSTOMERS].update_many({"app_id": rebuild_app}, {"$pop": {"timeline": 1}})
                ids = await db[customer_events.COLLECTION].distinct("_id", {"app_id": rebuild_app})
                await db[webhook_deliveries.COLLECTION].delete_many({"event_id": {"$in": ids}})
                await db[customer_events.COLLECTION].delete_many({"app_id": rebuild_app})
            customer_rebuild.alerts.old_customers = original_old if with_alerts else previous_read  # type: ignore[assignment]
            customer_rebuild.alerts.record_customer_changes = (  # type: ignore[assignment]
                original_record if with_alerts else no_record)
            try:
                started = time.perf_counter()
                for i in range(0, len(shops), 500):
                    await rebuild_customers(db, rebuild_app, shops[i:i + 500], NOW, SegmentContext())
                return (time.perf_counter() - started) / len(shops) * 1e6
            finally:
                customer_rebuild.alerts.old_customers = original_old  # type: ignore[assignment]
                customer_rebuild.alerts.record_customer_changes = original_record  # type: ignore[assignment]

        await timed(True, False)  # warm-up: the customers exist
        rows = []
        for label, pop in (("nothing changed", False), ("one new timeline entry per customer", True)):
            without = statistics.median([await timed(False, pop) for _ in range(args.repeat)])
            with_ = statistics.median([await timed(True, pop) for _ in range(args.repeat)])
            rows.append((label, without, with_))
        events_written = await db[customer_events.COLLECTION].count_documents({"app_id": rebuild_app})
        print(f"3. rebuild of {len(shops)} customers (batches of 500), median of {args.repeat}, µs per customer:")
        for label, without, with_ in rows:
            print(f"   {label:<38} without alerts {without:8.0f}   with alerts {with_:8.0f}   "
                  f"extra {with_ - without:+7.0f}")
        print(f"   (the last 'one new entry' run recorded {events_written} events and their deliveries)")
        await http.aclose()
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        broker.close()
        await client.drop_database(db.name)
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-samples", type=int, default=60)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--rebuild-customers", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("CRM_SECRET_KEY", "")
    if not os.environ["CRM_SECRET_KEY"]:
        from crm_shared.token_cipher import new_secret_key

        os.environ["CRM_SECRET_KEY"] = new_secret_key()
    from crm_devstack.processes import ProcessGroup, free_port, start_redis, start_secantus
    from crm_shared.settings import get_settings

    workdir = Path(tempfile.mkdtemp(prefix="crm-bench-alerts-"))
    group = ProcessGroup(workdir)
    try:
        mongo_uri = os.environ.get("CRM_BENCH_MONGODB_URI") or start_secantus(group, free_port())
        redis_url = os.environ.get("CRM_BENCH_REDIS_URL") or start_redis(group, free_port())
        os.environ.update({"MONGODB_URI": mongo_uri, "REDIS_URL": redis_url})
        get_settings.cache_clear()
        print(json.dumps({"mongodb": mongo_uri, "redis": redis_url, "workdir": str(workdir)}))
        asyncio.run(run(args, mongo_uri, redis_url, workdir))
    finally:
        group.stop()


if __name__ == "__main__":
    main()
