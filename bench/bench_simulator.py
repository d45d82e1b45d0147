"""Benchmark the Partner API simulator: generation time and pages served per second.

    .venv/bin/python bench/bench_simulator.py                       # 10k and 100k shops, serve 10k
    .venv/bin/python bench/bench_simulator.py --sizes 10000 --serve-shops 10000 --pages 200

Generation runs in a child process per size (so time and peak memory are its
own); "index" is building the simulator's in-memory indexes from that data.
Serving starts ``python -m partner_sim serve`` with throttling off and pages
through ``App.events`` and ``transactions`` with ``first: 100`` over one
keep-alive HTTP connection, exactly as the sync worker reads.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

NOW = datetime(2026, 7, 15, tzinfo=timezone.utc)
EVENTS = """query($app: ID!, $after: String) { app(id: $app) { events(first: 100, after: $after) {
  edges { cursor node { __typename type occurredAt shop { id name myshopifyDomain }
    ... on AppSubscriptionEvent { charge { id name test billingOn amount { amount currencyCode } } }
    ... on RelationshipUninstalled { reason description } } }
  pageInfo { hasNextPage } } } }"""
TRANSACTIONS = """query($after: String) { transactions(first: 100, after: $after) {
  edges { cursor node { __typename id createdAt
    ... on AppSubscriptionSale { chargeId billingInterval grossAmount { amount currencyCode } netAmount { amount }
                                 shop { id } app { id } } } }
  pageInfo { hasNextPage } } }"""


def child_generate(shops: int, out: str | None) -> dict[str, Any]:
    """Generate (and index) one organization; report timings and peak memory."""
    from partner_sim.generator import generate
    from partner_sim.scenario import dump_scenario, scenario_from_dict
    from partner_sim.store import Store

    started = time.perf_counter()
    org = generate(seed=1, apps=2, shops=shops, years=2, now=NOW)
    generated = time.perf_counter() - started
    result: dict[str, Any] = {"shops": shops, "generate_s": generated, "events": len(org.scenario["events"]),
                              "transactions": len(org.scenario["transactions"]), "customers": len(org.ground_truth)}
    if out:
        started = time.perf_counter()
        dump_scenario(org.scenario, out)
        result["write_s"] = time.perf_counter() - started
        result["file_mb"] = os.path.getsize(out) / 1e6
    started = time.perf_counter()
    Store.from_scenario(scenario_from_dict(org.scenario))
    result["index_s"] = time.perf_counter() - started
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def run_child(shops: int, out: str | None) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--child", str(shops)] + (["--out", out] if out else [])
    proc = subprocess.run(argv, check=True, capture_output=True, text=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("simulator exited")
        try:
            if httpx.get(f"{url}/_admin/healthz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError("simulator did not start")


def page_through(client: httpx.Client, url: str, token: str, query: str, variables: dict[str, Any],
                 root: list[str], max_pages: int) -> tuple[int, int, float]:
    """(pages, items, seconds) for up to ``max_pages`` pages."""
    after = None
    pages = items = 0
    started = time.perf_counter()
    while pages < max_pages:
        resp = client.post(url, json={"query": query, "variables": {**variables, "after": after}},
                           headers={"X-Shopify-Access-Token": token})
        resp.raise_for_status()
        conn: Any = resp.json()["data"]
        for key in root:
            conn = conn[key]
        pages += 1
        items += len(conn["edges"])
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["edges"][-1]["cursor"]
    return pages, items, time.perf_counter() - started


def bench_serving(scenario_path: str, max_pages: int) -> list[tuple[str, int, int, float]]:
    from crm_devstack.processes import free_port

    with open(scenario_path, encoding="utf-8") as fh:
        head = json.load(fh)
    org, token, app = head["organization"]["id"], head["organization"]["accessToken"], head["apps"][0]["id"]
    del head
    port = free_port()
    env = {**os.environ, "PARTNER_SIM_THROTTLE": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "partner_sim", "serve", "--port", str(port), "--scenario",
                             scenario_path], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        wait_ready(base, proc)
        load_s = time.perf_counter() - started
        url = f"{base}/{org}/api/2026-04/graphql.json"
        rows = [("startup (load + index)", 0, 0, load_s)]
        with httpx.Client(timeout=120) as client:
            page_through(client, url, token, EVENTS, {"app": app}, ["app", "events"], 3)  # warm-up
            rows.append(("App.events first:100",
                         *page_through(client, url, token, EVENTS, {"app": app}, ["app", "events"], max_pages)))
            rows.append(("transactions first:100",
                         *page_through(client, url, token, TRANSACTIONS, {}, ["transactions"], max_pages)))
        return rows
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="shop counts to generate")
    parser.add_argument("--serve-shops", type=int, default=10000, help="organization size served (0 = skip)")
    parser.add_argument("--pages", type=int, default=300, help="pages per serving measurement")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(child_generate(args.child, args.out)))
        return 0

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print("\nGeneration (seed 1, 2 apps, 2 years; each size in its own process)")
    print(f"{'shops':>8} {'customers':>10} {'events':>9} {'txns':>9} {'generate s':>11} {'index s':>8} "
          f"{'peak RSS MB':>12}")
    tmp = tempfile.mkdtemp(prefix="bench-sim-")
    serve_file = None
    for size in [int(s) for s in args.sizes.split(",") if s]:
        out = os.path.join(tmp, f"org-{size}.json") if size == args.serve_shops else None
        r = run_child(size, out)
        serve_file = out or serve_file
        print(f"{r['shops']:>8} {r['customers']:>10} {r['events']:>9} {r['transactions']:>9} "
              f"{r['generate_s']:>11.1f} {r['index_s']:>8.1f} {r['peak_rss_mb']:>12.0f}")
    if args.serve_shops:
        if serve_file is None:
            serve_file = os.path.join(tmp, f"org-{args.serve_shops}.json")
            run_child(args.serve_shops, serve_file)
        print(f"\nServing a {args.serve_shops}-shop organization (throttling off, one keep-alive connection)")
        print(f"{'query':<24} {'pages':>6} {'items':>7} {'seconds':>8} {'pages/s':>8} {'items/s':>8}")
        for name, pages, items, seconds in bench_serving(serve_file, args.pages):
            if pages:
                print(f"{name:<24} {pages:>6} {items:>7} {seconds:>8.2f} {pages / seconds:>8.1f} "
                      f"{items / seconds:>8.0f}")
            else:
                print(f"{name:<24} {'':>6} {'':>7} {seconds:>8.2f}")
    for f in Path(tmp).glob("*"):
        f.unlink()
    os.rmdir(tmp)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
