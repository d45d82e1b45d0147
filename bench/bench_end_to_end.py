"""End-to-end benchmark: the whole stack (`crm_devstack.stack.start_stack`: simulator, sync and analytics
workers, schedulers, gateway, private SecantusDB and Redis) on a generated organization of N customers.

For each size it measures, from the outside:
- sync: wall seconds from start to the first completed sync, Partner API items stored, items/s, and the sync
  worker's CPU per item (the process and its forked children, from /proc) — with the simulator's throttle off
  and the worker's limiter lifted, so the figure is the worker's own cost, not the 4 req/s limit;
- derivation: wall seconds until every customer is derived and the analytics worker's CPU per customer;
- gateway: 40 customer pages (first page, keyset walk, MRR sort, search) — p50/p95 latency and the gateway
  process's CPU per page;
- freshness (with `triggerSync`): seconds from an event appended to the simulator until the customer changes
  in GraphQL, 5 samples.  With the default schedule (SYNC_INTERVAL_SECONDS=900) the expected wait adds half
  an interval (450 s) on average and a whole one (900 s) at worst; that line is computed, not measured.

    .venv/bin/python bench/bench_end_to_end.py [--sizes 1000,10000] [--freshness-samples 5] [--pages-per-variant 10]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pymongo import MongoClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crm_devstack.processes import free_port  # noqa: E402
from crm_devstack.stack import RunningStack, StackConfig, start_stack  # noqa: E402

PY = sys.executable
NOW = "2026-03-01T00:00:00Z"
APP = "gid://partners/App/101"
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = """query P($app: ID!, $after: String, $sort: CustomerSortInput, $search: String) {
  app(id: $app) { customers(first: 50, after: $after, sort: $sort, search: $search) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id name status plan mrr { amount currencyCode } lifetimeValue { amount } } } } } }"""
CUSTOMER = """query C($app: ID!, $shop: ID!) { app(id: $app) { customer(shopId: $shop) { status plan } } }"""


def tree_cpu(root: int) -> float:
    """CPU seconds (user+system) of process `root` and every live descendant (dramatiq forks its workers)."""
    stats: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2:].split()
        stats[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS)
    members, grew = {root}, True
    while grew:
        grew = False
        for pid, (ppid, _) in stats.items():
            if ppid in members and pid not in members:
                members.add(pid)
                grew = True
    return sum(stats[p][1] for p in members if p in stats)


def proc_pgid(stack: RunningStack, name: str) -> int:
    return next(p.pid for n, p in stack.group.procs if n == name)


def wait(what: str, probe: Any, timeout: float, interval: float = 0.2) -> float:
    """Poll until `probe()` is truthy; the monotonic time it became so."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if probe():
                return time.monotonic()
        except Exception:  # noqa: BLE001 - a part still starting
            pass
        time.sleep(interval)
    raise TimeoutError(f"{what} not reached within {timeout}s")


def generate(directory: Path, shops: int) -> Path:
    out = directory / f"org-{shops}.json"
    subprocess.run([PY, "-m", "partner_sim", "generate", "--out", str(out), "--seed", "42", "--apps", "1",
                    "--shops", str(shops), "--years", "2", "--now", NOW], check=True, capture_output=True)
    return out


def gql(client: httpx.Client, stack: RunningStack, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    r = client.post(stack.graphql_url, json={"query": query, "variables": variables},
                    headers={"Authorization": f"Bearer {stack.api_key}"})
    body = r.json()
    if r.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"{r.status_code} {str(body)[:300]}")
    return body["data"]


def measure_gateway(stack: RunningStack, pages_per_variant: int = 10) -> dict[str, float]:
    """4 × `pages_per_variant` pages of 50 customers: p50/p95/p99 wall ms and gateway CPU ms per page."""
    pgid = proc_pgid(stack, "gateway")
    variants: list[dict[str, Any]] = [{}, {"sort": {"field": "MRR", "direction": "DESC"}},
                                      {"search": "a"}, {"sort": {"field": "SHOP_NAME", "direction": "ASC"}}]
    times: list[float] = []
    with httpx.Client(timeout=120) as client:
        gql(client, stack, PAGE, {"app": APP})  # warm the caches
        cpu0 = tree_cpu(pgid)
        for variant in variants:
            after = None
            for _ in range(pages_per_variant):
                t = time.perf_counter()
                page = gql(client, stack, PAGE, {"app": APP, "after": after, **variant})["app"]["customers"]
                times.append(time.perf_counter() - t)
                if not page["pageInfo"]["hasNextPage"]:
                    after = None
                else:
                    after = page["pageInfo"]["endCursor"]
        cpu = tree_cpu(pgid) - cpu0
    times.sort()
    def pct(p: float) -> float:  # nearest-rank percentile
        return times[max(0, min(len(times) - 1, round(p * len(times) + 0.5) - 1))] * 1000

    return {"p50_ms": statistics.median(times) * 1000, "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "cpu_ms_per_page": cpu / len(times) * 1000}


def measure_freshness(stack: RunningStack, scenario: dict[str, Any], samples: int) -> list[float]:
    """Seconds from an install appended to the simulator to the new customer answering in GraphQL."""
    results = []
    base = datetime.fromisoformat(NOW.replace("Z", "+00:00"))
    with httpx.Client(timeout=120) as client:
        for n in range(samples):
            shop_id = f"gid://partners/Shop/{9_000_000 + n}"
            node = {"__typename": "RelationshipInstalled", "type": "RELATIONSHIP_INSTALLED",
                    "occurredAt": (base - timedelta(minutes=30 - n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "app": {"id": APP}, "shop": {"id": shop_id, "name": f"Fresh {n}",
                                                 "myshopifyDomain": f"fresh-{n}.myshopify.com", "avatarUrl": None}}
            t0 = time.monotonic()
            client.post(stack.env["PARTNER_API_URL"] + "/_admin/append", json={"events": [node]}).raise_for_status()
            gql(client, stack, 'mutation($app: ID!) { triggerSync(appId: $app) { state } }', {"app": APP})
            t1 = wait("the appended customer",
                      lambda shop_id=shop_id: gql(client, stack, CUSTOMER, {"app": APP, "shop": shop_id})
                      ["app"]["customer"], timeout=600, interval=0.1)
            results.append(t1 - t0)
    return results


def run_size(shops: int, work: Path, freshness_samples: int, pages_per_variant: int = 10) -> dict[str, Any]:
    """Start a stack on an N-shop organization and measure it."""
    scenario_path = generate(work, shops)
    scenario = json.loads(scenario_path.read_text())
    config = StackConfig(
        data_dir=work / f"stack-{shops}", gateway_port=free_port(), sim_port=free_port(), scenario=scenario_path,
        # SecantusDB's ":memory:" mode keeps everything in its 1 GB WiredTiger cache, which a 100k-customer app
        # overflows (WT_CACHE_FULL); big apps get a data folder, where the cache evicts to disk as MongoDB does.
        now=NOW, mongo_storage=":memory:" if shops < 50_000 else str(work / f"mongo-{shops}"),
                                                                     bootstrap_api_key=f"crm_bench_{uuid.uuid4().hex}",
        extra_env={"PARTNER_SIM_THROTTLE": "0", "PARTNER_API_RATE": "1000", "SYNC_PAGE_SIZE": "100",
                   "LOG_LEVEL": "WARNING"},
    )
    t0 = time.monotonic()
    stack = start_stack(config)
    try:
        mongo = MongoClient(stack.env["MONGODB_URI"], tz_aware=True)
        db = mongo[stack.env["MONGODB_DB"]]
        started = time.monotonic()

        def synced() -> bool:
            s = db.sync_state.find_one({"_id": APP}) or {}
            return s.get("state") == "IDLE" and bool(s.get("last_synced_at"))

        t_sync = wait("first sync", synced, timeout=4 * 3600, interval=0.5)
        items = db.partner_events.count_documents({}) + db.partner_transactions.count_documents({})
        sync_cpu = tree_cpu(proc_pgid(stack, "sync-worker"))
        expected = len({e["shop"]["id"] for e in scenario["events"] if e.get("shop")})
        # A count is O(customers) on the embedded engine: poll less often on big apps so the probe does not
        # slow down what it measures.
        t_derived = wait("every customer derived", lambda: db.customers.count_documents({}) >= expected,
                         timeout=4 * 3600, interval=max(0.5, shops / 20_000))
        analytics_cpu = tree_cpu(proc_pgid(stack, "analytics-worker"))
        gateway = measure_gateway(stack, pages_per_variant)
        fresh = measure_freshness(stack, scenario, freshness_samples) if freshness_samples else []
        mongo.close()
        return {
            "customers": expected, "items": items, "startup_s": started - t0,
            "sync_s": t_sync - started, "items_per_s": items / max(t_sync - started, 1e-9),
            "sync_cpu_ms_per_item": sync_cpu / items * 1000,
            "derived_after_sync_s": t_derived - t_sync,
                "analytics_cpu_ms_per_customer": analytics_cpu / expected * 1000,
            **gateway,
            "fresh_p50_s": statistics.median(fresh) if fresh else None, "fresh_max_s": max(fresh) if fresh else None,
        }
    finally:
        stack.stop()


def table(rows: list[dict[str, Any]]) -> str:
    """The results as a Markdown table."""
    cols = [("customers", "customers", "{:,}"), ("items", "raw items", "{:,}"),
            ("sync_s", "sync wall s", "{:.1f}"), ("items_per_s", "items/s", "{:.0f}"),
            ("sync_cpu_ms_per_item", "sync CPU ms/item", "{:.2f}"),
            ("derived_after_sync_s", "derive wall s after sync", "{:.1f}"),
            ("analytics_cpu_ms_per_customer", "analytics CPU ms/customer", "{:.2f}"),
            ("p50_ms", "page p50 ms", "{:.0f}"), ("p95_ms", "page p95 ms", "{:.0f}"),
             ("p99_ms", "page p99 ms", "{:.0f}"),
            ("cpu_ms_per_page", "gateway CPU ms/page", "{:.1f}"),
            ("fresh_p50_s", "triggerSync freshness p50 s", "{:.1f}"), ("fresh_max_s", "freshness max s", "{:.1f}")]
    lines = ["| " + " | ".join(c[1] for c in cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join("-" if r.get(k) is None else f.format(r[k]) for k, _, f in cols) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="customers per app, comma-separated")
    parser.add_argument("--freshness-samples", type=int, default=5)
    parser.add_argument("--pages-per-variant", type=int, default=10,
                        help="customer pages walked per list variant (4 variants); fewer on big apps")
    args = parser.parse_args()
    # `kill` (SIGTERM) must stop the stack too: turn it into SystemExit so the `finally` of each run stops it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
        for shops in (int(s) for s in args.sizes.split(",")):
            row = run_size(shops, Path(tmp), args.freshness_samples, args.pages_per_variant)
            print(json.dumps(row), flush=True)
            rows.append(row)
    print(table(rows))
    print("default schedule (SYNC_INTERVAL_SECONDS=900): freshness = triggerSync figure + 450 s on average, "
          "+ 900 s at worst (computed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
