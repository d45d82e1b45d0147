"""Customer list benchmarks: the gateway's list index (docs/list-index.md) against the MongoDB path.

(a) pages over HTTP: a `python -m crm_gateway serve` process on a private SecantusDB (the embedded default),
    seeded with N customers of one app; 50-row pages with totalCount in ten variants plus customerFacets;
    p50/p95 per variant at each size, and the 10k/1k ratio.  `--before` also measures the MongoDB path
    (GATEWAY_LIST_INDEX=0) at the sizes it lists.
(b) load: `--clients` concurrent clients for `--duration` seconds on the biggest size: pages/s, errors.
(c) freshness: a customer document rewritten in MongoDB as the analytics worker writes it (a whole-document
    replace) until a list search finds it: p50/p95 of `--fresh-samples`.
(d) the index's load time per size (from /readyz) and the gateway's RSS growth per customer.
(e) the index alone, in-process, at `--inproc` customers: filtered sorted page + count + facets; RSS/customer.

    .venv/bin/python bench/bench_list.py                       # 1k, 10k, 100k over HTTP + 1M in-process
    .venv/bin/python bench/bench_list.py --sizes 1000 --inproc 0 --duration 10 --fresh-samples 10   # quick
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from bson import Decimal128
from pymongo import AsyncMongoClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crm_devstack.processes import ProcessGroup, free_port, start_redis, start_secantus, wait_for_port  # noqa: E402
from crm_gateway.indexes import ensure_indexes  # noqa: E402
from crm_shared.store.registry import create_api_key, register_organization  # noqa: E402
from crm_shared.token_cipher import new_secret_key  # noqa: E402

os.environ.setdefault("CRM_SECRET_KEY", new_secret_key())  # the bench organization's token is stored encrypted
from tests.gateway.factories import NOW, make_customer, search_terms  # noqa: E402

APP = "gid://partners/App/101"
PAGE = """query P($app: ID!, $sort: CustomerSortInput, $filter: CustomerFilterInput, $after: String,
                $before: String, $first: Int, $last: Int, $search: String) {
  app(id: $app) { customers(first: $first, last: $last, sort: $sort, filter: $filter, after: $after,
                            before: $before, search: $search) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id shopId name domain email country status plan mrr { amount currencyCode }
                          installedAt lastActiveAt lifetimeValue { amount currencyCode } segments
                          health { score grade } } } } } }"""
FACETS = """query F($app: ID!, $filter: CustomerFilterInput, $search: String) {
  app(id: $app) { customerFacets(filter: $filter, search: $search) {
    total status { value count } plan { value count } country { value count } currency { value count }
    segment { value count } } } }"""
VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("default order", {}),
    ("MRR desc", {"sort": {"field": "MRR", "direction": "DESC"}}),
    ("shop name asc", {"sort": {"field": "SHOP_NAME", "direction": "ASC"}}),
    ("last active desc (nulls)", {"sort": {"field": "LAST_ACTIVE_AT", "direction": "DESC"}}),
    ('search "a"', {"search": "a"}),
    ('search rare prefix "owner777"', {"search": "owner777"}),
    ("status+country+MRR range", {"filter": {"status": ["ACTIVE", "TRIAL"], "country": ["US", "DE"],
                                             "mrrMin": "10", "mrrMax": "80"},
                                  "sort": {"field": "MRR", "direction": "DESC"}}),
    ("saved segment", {"filter": {"segment": "saved:big-eu"}}),
]
TICKS = os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s)) - 1))] * 1000 if s else float("nan")


class Stack:
    """SecantusDB + Redis + one gateway process, one app of `customers` customers."""

    def __init__(self, customers: int, index: bool) -> None:
        self.customers = customers
        self.index = index
        self.group = ProcessGroup(Path(tempfile.mkdtemp(prefix="bench-list-")))

    async def __aenter__(self) -> Stack:
        storage = ":memory:" if self.customers < 50_000 else tempfile.mkdtemp(prefix="bench-list-db-")
        self.mongo_uri = start_secantus(self.group, free_port(), storage)
        self.redis_url = start_redis(self.group, free_port())
        self.mongo: AsyncMongoClient = AsyncMongoClient(self.mongo_uri, tz_aware=True)
        db = self.db = self.mongo["bench"]
        await register_organization(db, "1", "Bench", "tok", [{"id": APP, "name": "Bench"}])
        self.key = await create_api_key(db, "1", "bench")
        await db["saved_segments"].insert_one({
            "_id": f"{APP}|saved:big-eu", "app_id": APP, "key": "saved:big-eu", "name": "Big EU", "created_at": NOW,
            "filter": {"country": ["DE", "FR"], "mrr_min": Decimal128("10")}})
        t0 = time.perf_counter()
        rng = random.Random(7)
        batch: list[dict[str, Any]] = []
        for n in range(1, self.customers + 1):
            batch.append(make_customer(APP, n, rng))
            if len(batch) == 2000:
                await db["customers"].insert_many(batch)
                batch = []
        if batch:
            await db["customers"].insert_many(batch)
        await ensure_indexes(db)
        print(f"  seeded {self.customers:,} customers in {time.perf_counter() - t0:.1f} s", flush=True)
        port = free_port()
        env = {**os.environ, "MONGODB_URI": self.mongo_uri, "MONGODB_DB": "bench", "REDIS_URL": self.redis_url,
               "GATEWAY_PORT": str(port), "CRM_ENV": "production", "LOG_LEVEL": "WARNING",
               "GATEWAY_LIST_INDEX": "1" if self.index else "0", "GATEWAY_LIST_INDEX_CHECK_SECONDS": "0"}
        t0 = time.perf_counter()
        self.proc = self.group.start("gateway", [sys.executable, "-m", "crm_gateway", "serve"], env=env)
        wait_for_port(port, timeout=120, proc=self.proc)
        self.url = f"http://127.0.0.1:{port}"
        self.rss_before = rss_kb(self.proc.pid)
        if self.index:
            async with httpx.AsyncClient(base_url=self.url, timeout=60) as c:
                while True:
                    status = (await c.get("/readyz")).json().get("list_index") or {}
                    if APP in status.get("ready", []):
                        break
                    if status.get("failed"):
                        raise RuntimeError(f"index failed: {status['failed']}")
                    await asyncio.sleep(0.2)
            self.load_seconds = time.perf_counter() - t0
            gc.collect()
            self.rss_after = rss_kb(self.proc.pid)
            self.index_status = status
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.mongo.close()
        self.group.stop()

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, headers={"Authorization": f"Bearer {self.key}"}, timeout=300)


async def post(c: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    r = await c.post("/graphql", json={"query": query, "variables": variables})
    body = r.json()
    if r.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"{r.status_code}: {str(body)[:300]}")
    return body


async def timed(c: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    t0 = time.perf_counter()
    body = await post(c, query, variables)
    return time.perf_counter() - t0, body


async def variants(stack: Stack, requests: int) -> dict[str, list[float]]:
    """Latencies per variant (sequential requests)."""
    out: dict[str, list[float]] = {}
    async with stack.client() as c:
        for _ in range(3):  # warm-up
            await post(c, PAGE, {"app": APP, "first": 50})
        for name, extra in VARIANTS:
            out[name] = [(await timed(c, PAGE, {"app": APP, "first": 50, **extra}))[0] for _ in range(requests)]
        walk: list[float] = []
        for _ in range(max(1, requests // 10)):
            v: dict[str, Any] = {"app": APP, "first": 50, "sort": {"field": "MRR", "direction": "DESC"}}
            body: dict[str, Any] = {}
            for _ in range(5):
                dt, body = await timed(c, PAGE, v)
                walk.append(dt)
                info = body["data"]["app"]["customers"]["pageInfo"]
                v = {**v, "after": info["endCursor"]}
            for _ in range(5):
                info = body["data"]["app"]["customers"]["pageInfo"]
                v = {k: x for k, x in v.items() if k not in ("after", "first")} | {"last": 50,
                                                                                  "before": info["startCursor"]}
                dt, body = await timed(c, PAGE, v)
                walk.append(dt)
        out["walk 5 forward + 5 back (per page)"] = walk
        out["customerFacets (status filter)"] = [
            (await timed(c, FACETS, {"app": APP, "filter": {"status": ["ACTIVE"]}}))[0] for _ in range(requests)]
    return out


async def load(stack: Stack, duration: float, clients: int) -> tuple[int, int, list[float]]:
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.perf_counter() + duration
    choices = [*VARIANTS, ("facets", {})]

    async def worker(seed: int) -> None:
        rng = random.Random(seed)
        async with stack.client() as c:
            while time.perf_counter() < deadline:
                name, extra = rng.choice(choices)
                query = FACETS if name == "facets" else PAGE
                variables = {"app": APP, **({} if name == "facets" else {"first": 50}), **extra}
                if name == "facets":
                    variables.pop("sort", None)
                try:
                    dt, _ = await timed(c, query, variables)
                    latencies.append(dt)
                except Exception as exc:  # noqa: BLE001 - counted
                    errors.append(str(exc))

    await asyncio.gather(*(worker(i) for i in range(clients)))
    return len(latencies), len(errors), latencies


async def freshness(stack: Stack, samples: int) -> list[float]:
    """Seconds from a whole-document replace (as the analytics worker writes) to the list showing it."""
    out = []
    rng = random.Random(3)
    async with stack.client() as c:
        for i in range(samples):
            n = rng.randint(1, stack.customers)
            key = f"{APP}|gid://partners/Shop/{n}"
            doc = await stack.db["customers"].find_one({"_id": key})
            assert doc is not None
            token = f"fresh{i}q{n}"
            doc["name"] = f"{token} Shop"
            doc["name_lc"] = doc["name"].lower()
            doc["search_terms"] = search_terms(doc["name"], doc["domain"], doc.get("email"))
            await stack.db["customers"].replace_one({"_id": key}, doc)
            t0 = time.perf_counter()
            while True:
                body = await post(c, PAGE, {"app": APP, "first": 5, "search": token, "filter": {"includeTest": True}})
                if body["data"]["app"]["customers"]["totalCount"] == 1:
                    break
                if time.perf_counter() - t0 > 30:
                    raise RuntimeError("change never showed")
                await asyncio.sleep(0.01)
            out.append(time.perf_counter() - t0)
    return out


def inproc(n: int, repeat: int) -> None:
    """The index alone: build an n-customer snapshot with the real code path, then time queries on it."""
    import polars as pl

    from crm_gateway.customer_listing import ListQuery
    from crm_gateway.list_index.frame import AppSnapshot, frame_of, row_values
    from crm_gateway.list_index.query import Condition, count_plan, facet_plans, finish_page, page_plan
    from crm_gateway.pagination.limits import PageRequest
    from crm_gateway.sorting import make_sort
    from crm_shared.customer_filter import parse_filter

    print(f"(e) the index alone, in-process, {n:,} customers", flush=True)
    gc.collect()
    rss0 = rss_kb(os.getpid())
    t0 = time.perf_counter()
    rng = random.Random(11)
    chunks = []
    for start in range(1, n + 1, 50_000):
        numbers = range(start, min(n, start + 49_999) + 1)
        chunks.append(frame_of(row_values(make_customer(APP, i, rng)) for i in numbers))
    snap = AppSnapshot.from_frame(APP, pl.concat(chunks))
    del chunks
    gc.collect()
    build = time.perf_counter() - t0
    rss = rss_kb(os.getpid()) - rss0
    print(f"  built in {build:.1f} s; RSS +{rss / 1024:.0f} MB = {rss * 1024 / n:.0f} bytes/customer; "
          f"estimated frame size {snap.nbytes / n:.0f} bytes/customer", flush=True)
    from bson.codec_options import CodecOptions

    opts: CodecOptions[Any] = CodecOptions(tz_aware=True)
    f = {"status": ["ACTIVE", "TRIAL"], "country": ["US", "DE"], "mrr_min": "10", "mrr_max": "80"}
    q = ListQuery(APP, f, None, make_sort("MRR", "DESC"))
    full = Condition((parse_filter(f),))
    no_seg = full
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        e = full.expr(snap)
        req = PageRequest(50, False, None)
        plans = [page_plan(snap, e, q.sort, req, q.hash()), count_plan(snap, e),
                 *facet_plans(snap, full, no_seg, [])]
        out = pl.collect_all([p for p in plans if p is not None])
        finish_page(snap, out[0], q.sort, req, q.hash(), opts)
        times.append(time.perf_counter() - t0)
    print(f"  filtered sorted page + count + facets: p50 {pct(times, 50):.1f} ms, p95 {pct(times, 95):.1f} ms "
          f"({repeat} runs)", flush=True)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        e = Condition((parse_filter({}),)).expr(snap)
        out = pl.collect_all([page_plan(snap, e, q.sort, PageRequest(50, False, None), q.hash()),  # type: ignore[list-item]
                              count_plan(snap, e)])
        times.append(time.perf_counter() - t0)
    print(f"  unfiltered page + count: p50 {pct(times, 50):.1f} ms, p95 {pct(times, 95):.1f} ms", flush=True)
    t0 = time.perf_counter()
    snap.apply({f"{APP}|gid://partners/Shop/{i}": None for i in range(1, 501)})
    print(f"  applying a batch of 500 changes: {(time.perf_counter() - t0) * 1000:.0f} ms", flush=True)


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--requests", type=int, default=40, help="requests per variant")
    ap.add_argument("--before", default="1000,10000", help="sizes to also measure on the MongoDB path")
    ap.add_argument("--before-requests", type=int, default=3)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--fresh-samples", type=int, default=50)
    ap.add_argument("--inproc", type=int, default=1_000_000)
    ap.add_argument("--inproc-repeat", type=int, default=40)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    before = {int(s) for s in args.before.split(",") if s}
    table: dict[tuple[str, int], tuple[float, float]] = {}
    for size in sizes:
        if size in before:
            print(f"(a) MongoDB path (before), {size:,} customers", flush=True)
            async with Stack(size, index=False) as stack:
                for name, lat in (await variants(stack, args.before_requests)).items():
                    table[(f"before: {name}", size)] = (pct(lat, 50), pct(lat, 95))
                    print(f"  {name}: p50 {pct(lat, 50):.0f} ms, p95 {pct(lat, 95):.0f} ms", flush=True)
        print(f"(a) list index, {size:,} customers", flush=True)
        async with Stack(size, index=True) as stack:
            grown = stack.rss_after - stack.rss_before
            print(f"(d) index ready {stack.load_seconds:.1f} s after the gateway started; RSS +{grown / 1024:.0f} MB "
                  f"= {grown * 1024 / size:.0f} bytes/customer; index {stack.index_status.get('bytes_per_customer')} "
                  f"bytes/customer (estimated)", flush=True)
            for name, lat in (await variants(stack, args.requests)).items():
                table[(name, size)] = (pct(lat, 50), pct(lat, 95))
                print(f"  {name}: p50 {pct(lat, 50):.1f} ms, p95 {pct(lat, 95):.1f} ms", flush=True)
            if size == max(sizes):
                print(f"(b) {args.clients} clients for {args.duration:.0f} s, {size:,} customers", flush=True)
                ok, errors, lat = await load(stack, args.duration, args.clients)
                print(f"  {ok / args.duration:.0f} pages/s, {errors} errors, p50 {pct(lat, 50):.1f} ms, "
                      f"p95 {pct(lat, 95):.1f} ms", flush=True)
                print(f"(c) freshness, {args.fresh_samples} samples, {size:,} customers", flush=True)
                fresh = await freshness(stack, args.fresh_samples)
                print(f"  p50 {pct(fresh, 50):.0f} ms, p95 {pct(fresh, 95):.0f} ms, max {max(fresh) * 1000:.0f} ms",
                      flush=True)
    if 1000 in sizes and 10000 in sizes:
        print("10k/1k p95 ratio per variant:")
        for name, _ in [*VARIANTS, ("walk 5 forward + 5 back (per page)", {}), ("customerFacets (status filter)", {})]:
            if (name, 1000) in table and (name, 10000) in table:
                print(f"  {name}: {table[(name, 10000)][1] / table[(name, 1000)][1]:.2f}")
    if args.inproc:
        inproc(args.inproc, args.inproc_repeat)
    _ = statistics


if __name__ == "__main__":
    asyncio.run(main())
