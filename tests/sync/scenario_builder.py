"""A small deterministic organization for integration tests (the scenario format).

Used alongside the simulator's own generator: it packs the edge cases the sync
must keep apart (same-second plan changes, REDACTED shops, shop-less sales,
refunds, credits, several currencies) into a few dozen shops.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

from crm_shared.clock import to_iso

ORG_ID = "1234567"
TOKEN = "prtapi_test_token"
NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)


def _money(amount: str, currency: str) -> dict[str, str]:
    return {"amount": amount, "currencyCode": currency}


def build_scenario(seed: int = 7, shops: int = 40, apps: int = 1, years: float = 2.0) -> dict[str, Any]:
    """Organization, apps, events and transactions as the Partner API would return them."""
    rng = random.Random(seed)
    app_ids = [f"gid://partners/App/{101 + i}" for i in range(apps)]
    events: list[dict[str, Any]] = []
    txns: list[dict[str, Any]] = []
    charge_n = 1000
    tx_n = 5000
    start = NOW - timedelta(days=365 * years)
    for app_id in app_ids:
        for s in range(1, shops + 1):
            redacted = s % 13 == 0
            shop = {"id": f"gid://partners/Shop/{s}", "name": "REDACTED" if redacted else f"Shop {s}",
                    "myshopifyDomain": "REDACTED" if redacted else f"shop-{s}.myshopify.com", "avatarUrl": None}
            currency = rng.choice(["USD", "USD", "EUR", "GBP"])
            t = start + timedelta(seconds=rng.randrange(int((NOW - start).total_seconds() * 0.8)))

            def ev(type_: str, at: datetime, **extra: Any) -> None:
                events.append({"type": type_, "occurredAt": to_iso(at), "app": {"id": app_id}, "shop": shop,
                               **extra})

            def sub(name: str, amount: str, at: datetime, test: bool = False) -> dict[str, Any]:
                nonlocal charge_n
                charge_n += 1
                return {"id": f"gid://shopify/AppSubscription/{charge_n}", "name": name, "test": test,
                        "billingOn": to_iso((at + timedelta(days=14)).replace(hour=0, minute=0, second=0)),
                        "amount": _money(amount, currency)}

            def sale(typename: str, charge: str | None, gross: str, at: datetime, with_shop: bool = True) -> None:
                nonlocal tx_n
                tx_n += 1
                node = {"__typename": typename, "id": f"gid://partners/{typename}/{tx_n}", "createdAt": to_iso(at),
                        "app": {"id": app_id}, "shop": shop if with_shop else None, "chargeId": charge,
                        "grossAmount": _money(gross, currency),
                        "netAmount": _money(f"{float(gross) * 0.85:.2f}", currency),
                        "shopifyFee": _money(f"{float(gross) * 0.15:.2f}", currency)}
                if typename == "AppSubscriptionSale":
                    node["billingInterval"] = "EVERY_30_DAYS"
                txns.append(node)

            ev("RELATIONSHIP_INSTALLED", t)
            if rng.random() < 0.7:
                t += timedelta(minutes=2)
                charge = sub("Basic", "9.99", t, test=s % 11 == 0)
                ev("SUBSCRIPTION_CHARGE_ACCEPTED", t, charge=charge)
                ev("SUBSCRIPTION_CHARGE_ACTIVATED", t + timedelta(seconds=5), charge=charge)
                for month in range(rng.randrange(1, 8)):
                    at = t + timedelta(days=30 * (month + 1) + rng.randrange(0, 20))
                    if at < NOW:
                        sale("AppSubscriptionSale", charge["id"], "9.99", at, with_shop=month % 5 != 4)
                if rng.random() < 0.5:  # same-second plan change
                    t += timedelta(days=rng.randrange(20, 90))
                    new = sub("Pro", "29.00", t)
                    ev("SUBSCRIPTION_CHARGE_CANCELED", t, charge=charge)
                    ev("SUBSCRIPTION_CHARGE_ACTIVATED", t, charge=new)
                    sale("AppSaleAdjustment", charge["id"], "-4.50", t + timedelta(days=10))
                if rng.random() < 0.3:
                    t += timedelta(days=3)
                    usage = {"id": f"gid://shopify/AppUsageRecord/{charge_n}", "name": "sms", "test": False,
                             "amount": _money("1.25", currency)}
                    ev("USAGE_CHARGE_APPLIED", t, charge=usage)
                    sale("AppUsageSale", usage["id"], "1.25", t + timedelta(days=12))
                if rng.random() < 0.2:
                    credit = {"id": f"gid://shopify/AppCredit/{charge_n}", "name": "sorry", "test": False,
                              "amount": _money("5.00", currency)}
                    ev("CREDIT_APPLIED", t + timedelta(days=1), appCredit=credit)
                    sale("AppSaleCredit", None, "-5.00", t + timedelta(days=15))
            if rng.random() < 0.3:
                t += timedelta(days=rng.randrange(1, 60))
                ev("RELATIONSHIP_UNINSTALLED", t, reason="Too expensive", description=None)
    return {
        "organization": {"id": ORG_ID, "name": "Acme Apps", "accessToken": TOKEN},
        "apps": [{"id": a, "name": f"App {a[-3:]}", "apiKey": f"k{a[-3:]}"} for a in app_ids],
        "events": [e for e in events if e["occurredAt"] < to_iso(NOW)],
        "transactions": [x for x in txns if x["createdAt"] < to_iso(NOW)],
        "now": to_iso(NOW),
    }
