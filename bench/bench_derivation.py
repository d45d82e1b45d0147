"""Customers derived per CPU-second by `crm_shared.customer.derive_customer`.

    .venv/bin/python bench/bench_derivation.py [--shops 5000] [--events 20] [--repeat 3]
    .venv/bin/python bench/bench_derivation.py --source generator [--shops 5000]

Builds synthetic shop histories (about ``--events`` Partner API events each plus
a sale per billed month: install, trial, conversion, plan changes as
same-second cancel+activate pairs, usage and one-time charges, freezes, some
uninstalls and reinstalls), then times the pure derivation only (CPU time, best
of ``--repeat`` runs) and prints customers per CPU-second, plus the CPU time
of a fixed reference loop so figures from loaded or slow machines can be
compared, and a "floor": the rate (also best of ``--repeat``) of a loop doing
only the unavoidable work (parse and sort the events, one dict per event,
Decimal sums, one output dict with constant keys).  ``--source generator``
derives the shops of a simulator-generated organization instead
(`partner_sim.generator`, realistic lives, 4 years).  ``derivation_golden.py``
checks that a change to the derivation leaves every output document as it was.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from crm_shared.clock import to_iso
from crm_shared.customer import derive_customer

APP = "gid://partners/App/1"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
PLANS = [("Basic", "9.00"), ("Pro", "29.00"), ("Plus", "79.00")]


def shop_history(n: int, target_events: int, rnd: random.Random) -> tuple[list[dict], list[dict]]:
    """One synthetic shop: (events, transactions) as raw documents ``{"node": ...}``."""
    shop = {"id": f"gid://partners/Shop/{n}", "name": f"Shop {n}", "myshopifyDomain": f"shop-{n}.myshopify.com",
            "avatarUrl": None}
    events: list[dict[str, Any]] = []
    sales: list[dict[str, Any]] = []
    t = NOW - timedelta(days=rnd.randint(200, 900), seconds=rnd.randint(0, 86400))
    charge_no = n * 100

    def event(typename: str, type_: str, at: datetime, **extra: Any) -> None:
        events.append({"node": {"__typename": typename, "type": type_, "occurredAt": to_iso(at),
                                "app": {"id": APP}, "shop": shop, **extra}})

    def charge(plan: tuple[str, str], billing_on: datetime) -> dict[str, Any]:
        nonlocal charge_no
        charge_no += 1
        return {"id": f"gid://shopify/AppSubscription/{charge_no}", "name": plan[0], "test": False,
                "billingOn": to_iso(billing_on.replace(hour=0, minute=0, second=0)),
                "amount": {"amount": plan[1], "currencyCode": "USD"}}

    event("RelationshipInstalled", "RELATIONSHIP_INSTALLED", t)
    live = charge(rnd.choice(PLANS), t + timedelta(days=14))
    event("SubscriptionChargeActivated", "SUBSCRIPTION_CHARGE_ACTIVATED", t + timedelta(minutes=2), charge=live)
    while len(events) < target_events and t < NOW - timedelta(days=31):
        t += timedelta(days=rnd.randint(10, 40), seconds=rnd.randint(0, 86400))
        roll = rnd.random()
        if roll < 0.3:
            new = charge(rnd.choice(PLANS), t + timedelta(days=30))
            event("SubscriptionChargeActivated", "SUBSCRIPTION_CHARGE_ACTIVATED", t, charge=new)
            event("SubscriptionChargeCanceled", "SUBSCRIPTION_CHARGE_CANCELED", t, charge=live)
            live = new
        elif roll < 0.5:
            usage = {"id": f"gid://shopify/AppUsageRecord/{n}{len(events)}", "name": "Usage", "test": False,
                     "amount": {"amount": "1.50", "currencyCode": "USD"}}
            event("UsageChargeApplied", "USAGE_CHARGE_APPLIED", t, charge=usage)
        elif roll < 0.6:
            event("SubscriptionChargeFrozen", "SUBSCRIPTION_CHARGE_FROZEN", t, charge=live)
            event("SubscriptionChargeUnfrozen", "SUBSCRIPTION_CHARGE_UNFROZEN", t + timedelta(days=5), charge=live)
        elif roll < 0.65:
            event("RelationshipUninstalled", "RELATIONSHIP_UNINSTALLED", t, reason="Not using", description=None)
            event("RelationshipInstalled", "RELATIONSHIP_INSTALLED", t + timedelta(days=3))
            live = charge(rnd.choice(PLANS), t + timedelta(days=33))
            event("SubscriptionChargeActivated", "SUBSCRIPTION_CHARGE_ACTIVATED", t + timedelta(days=3), charge=live)
        else:
            one = {"id": f"gid://shopify/AppPurchaseOneTime/{n}{len(events)}", "name": "Setup", "test": False,
                   "amount": {"amount": "50.00", "currencyCode": "USD"}}
            event("OneTimeChargeActivated", "ONE_TIME_CHARGE_ACTIVATED", t, charge=one)
        sales.append({"node": {"__typename": "AppSubscriptionSale", "id": f"gid://partners/AppSubscriptionSale/{n}{len(sales)}",
                               "createdAt": to_iso(t + timedelta(days=15)), "app": {"id": APP}, "shop": shop,
                               "chargeId": live["id"], "billingInterval": "EVERY_30_DAYS",
                               "grossAmount": live["amount"], "netAmount": live["amount"]}})
    rnd.shuffle(events)
    return events, sales


def generated_shops(count: int) -> list[tuple[list[dict], list[dict]]]:
    """(events, transactions) per customer of a generated one-app organization."""
    from partner_sim.generator import generate

    org = generate(seed=5, apps=1, shops=count, years=4, now=NOW)
    events: dict[str, list[dict]] = {}
    sales: dict[str, list[dict]] = {}
    for node in org.scenario["events"]:
        events.setdefault(node["shop"]["id"], []).append({"node": node})
    for node in org.scenario["transactions"]:
        if node.get("shop"):
            sales.setdefault(node["shop"]["id"], []).append({"node": node})
    return [(evs, sales.get(shop, [])) for shop, evs in events.items()]


def floor_seconds(shops: list[tuple[list[dict], list[dict]]]) -> float:
    """CPU seconds of the least any derivation must do: parse and sort each shop's events, build
    one timeline dict per event, sum the sale amounts as Decimals and build one output dict."""
    fromiso = datetime.fromisoformat
    decimals: dict[str, Decimal] = {}
    fields = tuple(f"field{i}" for i in range(45))  # a real document's keys are constants
    start = time.process_time()
    for events, sales in shops:
        keyed = {}
        for doc in events:
            node = doc["node"]
            keyed[(fromiso(node["occurredAt"]), node["type"])] = node
        timeline = [{"type": k[1], "occurred_at": k[0], "plan": "", "mrr_before": 0, "mrr_after": 0,
                     "currency": "USD", "charge_id": None, "detail": None} for k in sorted(keyed)]
        total = Decimal(0)
        for doc in sales:
            amount = doc["node"]["grossAmount"]["amount"]
            total += decimals.get(amount) or decimals.setdefault(amount, Decimal(amount))
        _ = dict.fromkeys(fields, (timeline, total))
    return time.process_time() - start


def reference_seconds() -> float:
    """CPU seconds of a fixed pure-Python loop (10M additions), to compare machines and load."""
    start = time.process_time()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.process_time() - start


def main() -> None:
    """Build the histories, time the derivation, print customers per CPU-second."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shops", type=int, default=5000)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--source", choices=("synthetic", "generator"), default="synthetic")
    args = parser.parse_args()
    if args.source == "generator":
        shops = generated_shops(args.shops)
        args.shops = len(shops)
    else:
        rnd = random.Random(7)
        shops = [shop_history(n, args.events, rnd) for n in range(args.shops)]
    n_events = sum(len(e) for e, _ in shops)
    n_sales = sum(len(s) for _, s in shops)
    profile = {"email": "a@b.example", "country": "US", "shopify_plan": "basic", "last_active_at": None}
    best = float("inf")
    for _ in range(args.repeat):
        start = time.process_time()
        for n, (events, sales) in enumerate(shops):
            derive_customer(APP, f"gid://partners/Shop/{n}", events, sales, profile, NOW)
        best = min(best, time.process_time() - start)
    print(f"shops={args.shops} events/shop={n_events / args.shops:.1f} sales/shop={n_sales / args.shops:.1f}")
    print(f"cpu_seconds={best:.3f} customers_per_cpu_second={args.shops / best:,.0f}")
    floor = min(floor_seconds(shops) for _ in range(args.repeat))
    print(f"floor (parse+sort events, one dict per event, Decimal sums, no rules): "
          f"{args.shops / floor:,.0f} shops per CPU-second")
    print(f"reference: 10M-addition loop took {reference_seconds():.2f} CPU s here "
          f"(about 0.4 s on an unloaded modern x86 core with CPython 3.11)")


if __name__ == "__main__":
    main()
