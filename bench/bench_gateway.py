"""Gateway benchmarks (figures for the gateway's note).

(a) gateway CPU per request: a 50-row customers page and a full profile, on a
    tiny collection, measured as the serving process's own CPU time
    (/proc/<pid>/stat utime+stime) divided by the number of requests, with and
    without the fast executor (GATEWAY_FAST_EXECUTION), alternating rounds;
(b) load: requests/s and p50/p95/p99 latency with 8 concurrent clients against
    a 20,000-customer app for `--duration` seconds (default 60), errors counted;
(c) CSV export: rows/s and the serving process's peak memory growth while
    streaming `--export-count` customers (default 100,000).

Each part starts its own SecantusDB and a `python -m crm_gateway serve`
process (exactly as the launcher does).  Run from the repository root:

    .venv/bin/python bench/bench_gateway.py [--parts a,b,c] [--duration 60]
        [--load-customers 20000] [--export-count 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crm_devstack.processes import ProcessGroup, free_port, start_gateway, start_redis, start_secantus  # noqa: E402
from crm_gateway.indexes import ensure_indexes  # noqa: E402
from crm_shared.store.registry import create_api_key, register_organization  # noqa: E402
from crm_shared.token_cipher import new_secret_key  # noqa: E402

os.environ.setdefault("CRM_SECRET_KEY", new_secret_key())  # the bench organization's token is stored encrypted
from tests.gateway.factories import make_customer  # noqa: E402

APP = "gid://partners/App/101"
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = """query P($app: ID!, $sort: CustomerSortInput, $filter: CustomerFilterInput, $after: String,
                $search: String) {
  app(id: $app) { customers(first: 50, sort: $sort, filter: $filter, after: $after, search: $search) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id shopId name domain email country status plan mrr { amount currencyCode }
                          installedAt lastActiveAt lifetimeValue { amount currencyCode } segments
                          health { score grade } } } } } }"""
COUNTED = PAGE.replace("pageInfo {", "totalCount pageInfo {")
PROFILE = """query C($app: ID!, $shop: ID!) { app(id: $app) { customer(shopId: $shop) {
  id shopId name domain avatarUrl email country shopifyPlan status plan mrr { amount currencyCode }
  usageRunRate { amount } billingInterval installedAt uninstalledAt trialEndsAt customerSince daysAsCustomer
  lastActiveAt lifetimeValue { amount currencyCode } lifetimeNet { amount } isTest segments
  health { score grade factors { name impact detail } } cards { key label value }
  timeline(first: 50) { totalCount edges { node { type occurredAt plan mrrBefore { amount } mrrAfter { amount } } } }
  transactions(first: 20) { totalCount edges { node { id kind grossAmount { amount } } } }
  mrrHistory { at mrr { amount } annotation } } } }"""


def proc_cpu(pid: int) -> float:
    """utime + stime of a process, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def proc_mem_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


class Stack:
    """SecantusDB + Redis + one gateway process, seeded with `customers` customers."""

    def __init__(self, customers: int, extra_env: dict[str, str] | None = None) -> None:
        self.customers = customers
        self.extra_env = extra_env or {}
        self.group = ProcessGroup(Path(tempfile.mkdtemp(prefix="bench-gw-")))
        self.proc: subprocess.Popen[bytes] | None = None

    async def __aenter__(self) -> Stack:
        self.mongo_uri = start_secantus(self.group, free_port())
        self.redis_url = start_redis(self.group, free_port())
        client: AsyncMongoClient = AsyncMongoClient(self.mongo_uri, tz_aware=True)
        db = client["bench"]
        await register_organization(db, "1", "Bench", "tok", [{"id": APP, "name": "Bench"}])
        self.key = await create_api_key(db, "1", "bench")
        t0 = time.perf_counter()
        rng = random.Random(7)
        batch: list[dict[str, Any]] = []
        for n in range(1, self.customers + 1):
            batch.append(make_customer(APP, n, rng))
            if len(batch) == 1000:
                await db["customers"].insert_many(batch)
                batch = []
        if batch:
            await db["customers"].insert_many(batch)
        await ensure_indexes(db)
        print(f"  seeded {self.customers} customers in {time.perf_counter() - t0:.1f}s", flush=True)
        await client.close()
        port = free_port()
        env = {"MONGODB_URI": self.mongo_uri, "MONGODB_DB": "bench", "REDIS_URL": self.redis_url,
               "CRM_ENV": "production", "LOG_LEVEL": "WARNING", **self.extra_env}
        self.proc = start_gateway(self.group, port, env)
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.group.stop()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, headers={"Authorization": f"Bearer {self.key}"}, timeout=120)


async def post(c: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    r = await c.post("/graphql", json={"query": query, "variables": variables})
    body = r.json()
    if r.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"{r.status_code}: {str(body)[:300]}")
    return body


async def part_a(requests: int, rounds: int) -> None:
    print("(a) gateway CPU per request (tiny collection: 60 customers), with and without the fast executor "
          "(GATEWAY_FAST_EXECUTION), alternating", flush=True)
    for n in range(rounds):
        for fast in ("true", "false"):
            print(f"  round {n + 1}, GATEWAY_FAST_EXECUTION={fast}", flush=True)
            await cpu_per_request(requests, {"GATEWAY_FAST_EXECUTION": fast})


async def cpu_per_request(requests: int, env: dict[str, str]) -> None:
    async with Stack(60, env) as stack, stack.client() as c:
        for kind, query, variables in (
            ("50-row customers page", PAGE, {"app": APP}),
            ("full profile", PROFILE, {"app": APP, "shop": "gid://partners/Shop/7"}),
        ):
            for _ in range(20):
                await post(c, query, variables)
            before = proc_cpu(stack.pid)
            t0 = time.perf_counter()
            for _ in range(requests):
                await post(c, query, variables)
            cpu = proc_cpu(stack.pid) - before
            wall = time.perf_counter() - t0
            print(f"    {kind}: {cpu / requests * 1000:.2f} ms gateway CPU/request "
                  f"({requests} requests, {wall / requests * 1000:.2f} ms wall each)", flush=True)


def mix(rng: random.Random, customers: int) -> tuple[str, dict[str, Any]]:
    """One request of the load mix: list pages (sorted, filtered, searched, some counted) and profiles."""
    roll = rng.random()
    if roll < 0.25:
        return PROFILE, {"app": APP, "shop": f"gid://partners/Shop/{rng.randint(1, customers)}"}
    field = rng.choice(["INSTALLED_AT", "MRR", "SHOP_NAME", "LAST_ACTIVE_AT", "LIFETIME_VALUE", "STATUS"])
    v: dict[str, Any] = {"app": APP, "sort": {"field": field, "direction": rng.choice(["ASC", "DESC"])}}
    if roll < 0.45:
        v["filter"] = {"status": [rng.choice(["ACTIVE", "TRIAL", "CANCELLED"])]}
    elif roll < 0.6:
        v["search"] = rng.choice(["alpha", "cof", "owner12", "gamma-3", "books"])
    return (COUNTED if roll > 0.9 else PAGE), v


async def part_b(customers: int, duration: float, concurrency: int, export: bool) -> None:
    print(f"(b) load: {concurrency} clients, {duration:.0f}s, {customers} customers", flush=True)
    async with Stack(customers) as stack:
        await load(stack, customers, duration, concurrency)
        if export:
            await export_csv(stack, customers)


async def load(stack: Stack, customers: int, duration: float, concurrency: int) -> None:
    """Run the request mix from `concurrency` clients for `duration` seconds and print the figures."""
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.perf_counter() + duration

    async def worker(seed: int) -> None:
        rng = random.Random(seed)
        async with stack.client() as c:
            cursor_vars: dict[str, Any] | None = None
            while time.perf_counter() < deadline:
                if cursor_vars is not None and rng.random() < 0.5:
                    query, variables = PAGE, cursor_vars  # next page of the previous list
                else:
                    query, variables = mix(rng, customers)
                t0 = time.perf_counter()
                try:
                    body = await post(c, query, variables)
                except Exception as exc:  # noqa: BLE001 - counted, reported
                    errors.append(str(exc))
                    continue
                latencies.append(time.perf_counter() - t0)
                conn = (body["data"]["app"] or {}).get("customers")
                cursor_vars = None
                if conn and conn["pageInfo"]["hasNextPage"]:
                    cursor_vars = {**variables, "after": conn["pageInfo"]["endCursor"]}

    cpu0, t0 = proc_cpu(stack.pid), time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    wall = time.perf_counter() - t0
    cpu = proc_cpu(stack.pid) - cpu0
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    print(f"  {len(latencies)} ok, {len(errors)} errors in {wall:.1f}s: {len(latencies) / wall:.1f} req/s; "
          f"p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms; "
          f"gateway CPU {cpu / wall * 100:.0f}% of one core", flush=True)
    for e in errors[:3]:
        print("  error:", e)


async def part_c(count: int) -> None:
    async with Stack(count) as stack:
        await export_csv(stack, count)


async def export_csv(stack: Stack, count: int) -> None:
    """Stream the full export and print rows/s and the gateway's memory growth."""
    print(f"(c) CSV export of {count} customers", flush=True)
    async with stack.client() as c:
        await post(c, PAGE, {"app": APP})
        rss0 = proc_mem_kb(stack.pid, "VmRSS")
        rows = 0
        t0 = time.perf_counter()
        peak = rss0
        async with c.stream("GET", "/export/customers.csv", params={"appId": APP, "scope": "full"}) as r:
            assert r.status_code == 200, r.status_code
            async for line in r.aiter_lines():
                if line:
                    rows += 1
                if rows % 5000 == 0:
                    peak = max(peak, proc_mem_kb(stack.pid, "VmRSS"))
        wall = time.perf_counter() - t0
        peak = max(peak, proc_mem_kb(stack.pid, "VmRSS"))
        print(f"  {rows - 1} rows in {wall:.1f}s: {(rows - 1) / wall:.0f} rows/s; gateway RSS {rss0 / 1024:.0f} MiB "
              f"before, peak {peak / 1024:.0f} MiB during (+{(peak - rss0) / 1024:.0f} MiB)", flush=True)


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--parts", default="a,b,c")
    p.add_argument("--requests", type=int, default=300, help="requests per kind in (a)")
    p.add_argument("--rounds", type=int, default=2, help="rounds of (a), each with and without the fast executor")
    p.add_argument("--duration", type=float, default=60.0)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--load-customers", type=int, default=20_000)
    p.add_argument("--export-count", type=int, default=100_000)
    args = p.parse_args()
    parts = set(args.parts.split(","))
    if "a" in parts:
        await part_a(args.requests, args.rounds)
    share = "b" in parts and "c" in parts and args.export_count == args.load_customers
    if "b" in parts:
        await part_b(args.load_customers, args.duration, args.concurrency, export=share)
    if "c" in parts and not share:
        await part_c(args.export_count)


if __name__ == "__main__":
    asyncio.run(main())
