"""Time of the app-level recompute (segments, snapshots, retention, cohorts).

    .venv/bin/python bench/bench_analytics.py [--customers 100000] [--mongo-customers 3000] [--repeat 1]

1. Pure part: `crm_shared.analytics.compute_app` over ``--customers``
   synthetic customer documents (Python values: 1–4 MRR steps and 2–6
   timeline entries each, over about three years, USD and EUR), CPU time.
2. Mongo part: `crm_analytics.app_recompute.recompute_app` against a
   throwaway SecantusDB (or ``CRM_BENCH_MONGODB_URI``) holding
   ``--mongo-customers`` stored customers: wall time of the first recompute
   (writes every segment list, snapshot and the summary) and of a second one
   (nothing changed: only reads and the summary).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

NOW = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)
APP = "gid://partners/App/1"
PRICES = [("Basic", Decimal("9.00")), ("Pro", Decimal("29.00")), ("Plus", Decimal("79.00")),
          ("Annual", Decimal("290.00") / 12)]


def synthetic_customer(n: int, rnd: random.Random) -> dict[str, Any]:
    """One customer document with the fields the app-level code reads."""
    installed = NOW - timedelta(days=rnd.randint(1, 1100), seconds=rnd.randint(0, 86400))
    currency = "EUR" if rnd.random() < 0.15 else "USD"
    timeline: list[dict[str, Any]] = [{"type": "INSTALLED", "occurred_at": installed, "currency": currency}]
    history: list[dict[str, Any]] = []
    status, mrr, plan, since = "FREE", Decimal(0), "Free", None
    t = installed
    if rnd.random() < 0.8:
        plan, price = rnd.choice(PRICES)
        trial = rnd.random() < 0.5
        if trial:
            timeline.append({"type": "TRIAL_STARTED", "occurred_at": t, "currency": currency})
            t = t + timedelta(days=14)
            if t < NOW:
                timeline.append({"type": "TRIAL_CONVERTED", "occurred_at": t, "currency": currency})
        if t < NOW:
            history.append({"at": t, "mrr": price, "currency": currency, "annotation": "SUBSCRIBED"})
            status, mrr, since = "ACTIVE", price, t
        else:
            status = "TRIAL"
        for _ in range(rnd.randint(0, 3)):
            t = t + timedelta(days=rnd.randint(20, 300))
            if t >= NOW:
                break
            r = rnd.random()
            if r < 0.4:
                plan, price = rnd.choice(PRICES)
                kind = "UPGRADED" if price > mrr else "DOWNGRADED"
                timeline.append({"type": kind, "occurred_at": t, "currency": currency})
                history.append({"at": t, "mrr": price, "currency": currency, "annotation": kind})
                mrr = price
            elif r < 0.7 and mrr > 0:
                timeline.append({"type": "CANCELLED", "occurred_at": t, "currency": currency})
                history.append({"at": t, "mrr": Decimal(0), "currency": currency, "annotation": "CANCELLED"})
                status, mrr = "CANCELLED", Decimal(0)
            elif mrr > 0:
                timeline.append({"type": "UNINSTALLED", "occurred_at": t, "currency": currency})
                history.append({"at": t, "mrr": Decimal(0), "currency": currency, "annotation": "UNINSTALLED"})
                status, mrr = "UNINSTALLED", Decimal(0)
                break
    return {
        "_id": f"{APP}|gid://partners/Shop/{n}", "app_id": APP, "shop_id": f"gid://partners/Shop/{n}",
        "status": status, "mrr": mrr, "paid": mrr > 0, "currency": currency, "plan": plan,
        "is_test": rnd.random() < 0.01, "customer_since": since,
        "days_as_customer": (NOW - since).days if since else None,
        "last_active_at": NOW - timedelta(days=rnd.randint(0, 60)), "installed_at": installed,
        "first_installed_at": installed, "trial_ends_at": None,
        "health": {"score": 70, "grade": rnd.choice("ABCDF"), "factors": []},
        "timeline": timeline, "mrr_history": history, "segments": [], "next_change_at": None,
    }


def customers(count: int, seed: int = 1) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    return [synthetic_customer(n, rnd) for n in range(count)]


def bench_pure(count: int, repeat: int) -> None:
    from crm_shared.analytics import compute_app

    docs = customers(count)
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        result = compute_app(docs, NOW, True)
        best = min(best, time.process_time() - start)
    print(f"pure compute_app: {count} customers, {len(result.snapshots)} daily snapshots, "
          f"{best:.2f} CPU-s ({count / best:,.0f} customers per CPU-second)")


async def bench_mongo(uri: str, count: int) -> None:
    from pymongo import AsyncMongoClient

    from crm_analytics.app_recompute import recompute_app
    from crm_shared.customer import to_mongo
    from crm_shared.mongo import CUSTOMERS
    from crm_shared.store.indexes import ensure_base_indexes

    client: AsyncMongoClient[Any] = AsyncMongoClient(uri, tz_aware=True)
    db = client["bench_analytics"]
    await client.drop_database("bench_analytics")
    await ensure_base_indexes(db)
    docs = [to_mongo(d) for d in customers(count, seed=2)]
    for i in range(0, len(docs), 1000):
        await db[CUSTOMERS].insert_many(docs[i:i + 1000])
    for label in ("first (writes all)", "second (no change)"):
        start = time.perf_counter()
        result = await recompute_app(db, APP, NOW)
        print(f"mongo recompute_app {label}: {count} customers, {time.perf_counter() - start:.2f} s wall "
              f"({result.segments_updated} segment lists, {result.metrics_written} snapshots written)")
    await client.drop_database("bench_analytics")
    await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--mongo-customers", type=int, default=3_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    bench_pure(args.customers, args.repeat)
    if args.mongo_customers <= 0:
        return
    uri = os.environ.get("CRM_BENCH_MONGODB_URI")
    if uri:
        asyncio.run(bench_mongo(uri, args.mongo_customers))
        return
    from crm_devstack.processes import ProcessGroup, free_port, start_secantus

    group = ProcessGroup(Path(tempfile.mkdtemp(prefix="crm-bench-")))
    try:
        asyncio.run(bench_mongo(start_secantus(group, free_port()), args.mongo_customers))
    finally:
        group.stop()


if __name__ == "__main__":
    main()
