"""Customer documents in the `documents.py` shape, seeded directly (the analytics worker is not needed)."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from bson import Decimal128

from crm_shared.ids import customer_key

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
WORDS = ("Alpha", "Beta", "Gamma", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India", "Juliet", "Kilo", "Lima")
NOUNS = ("Outdoor", "Coffee", "Books", "Garden", "Studio", "Supply", "Goods", "Market")
PLANS = {"Basic": Decimal("9.99"), "Pro": Decimal("29.00"), "Plus": Decimal("79.50")}
COUNTRIES = ("US", "DE", "FR", "GB", None)


def search_terms(name: str, domain: str, email: str | None) -> list[str]:
    """Lower-cased words of the name, the whole domain and the whole email."""
    terms = {w for w in re.split(r"[^0-9a-z]+", name.lower()) if w}
    terms.add(domain.lower())
    if email:
        terms.add(email.lower())
    return sorted(terms)


def make_customer(app_id: str, n: int, rng: random.Random, **overrides: Any) -> dict[str, Any]:
    """Customer number `n` of an app: a plausible mix of statuses, plans, currencies and nulls."""
    shop_id = f"gid://partners/Shop/{n}"
    name = f"{rng.choice(WORDS)} {rng.choice(NOUNS)} {n}"
    domain = f"{name.split()[0].lower()}-{n}.myshopify.com"
    email = None if n % 7 == 0 else f"owner{n}@{name.split()[1].lower()}.example"
    status = rng.choice(("ACTIVE", "ACTIVE", "ACTIVE", "TRIAL", "FROZEN", "CANCELLED", "UNINSTALLED", "FREE"))
    plan = rng.choice(list(PLANS)) if status != "FREE" else "Free"
    currency = "EUR" if n % 5 == 0 else "USD"
    interval = "ANNUAL" if n % 6 == 0 else "EVERY_30_DAYS"
    mrr = PLANS.get(plan, Decimal(0)) if status == "ACTIVE" else Decimal(0)
    if interval == "ANNUAL" and mrr > 0:
        mrr = mrr * 12 / 12 + Decimal("0.005")  # exact, rounds half-up when shown
    installed = NOW - timedelta(days=rng.randint(1, 700), minutes=n)
    if n % 9 == 0:
        installed = NOW - timedelta(days=100)  # ties on INSTALLED_AT exercise the _id tie-break
    last_active = None if n % 4 == 0 else NOW - timedelta(days=rng.randint(0, 60), hours=n % 24)
    ltv = (mrr * rng.randint(0, 20)).quantize(Decimal("0.0001"))
    segments = []
    if status == "ACTIVE" and mrr >= Decimal("29"):
        segments.append("VIP")
    if status in ("FROZEN",) or n % 11 == 0:
        segments.append("AT_RISK")
    if installed > NOW - timedelta(days=30) and status != "UNINSTALLED":
        segments.append("NEW")
    is_test = n % 13 == 0
    customer_since = installed + timedelta(days=3) if status in ("ACTIVE", "CANCELLED", "FROZEN") else None
    doc: dict[str, Any] = {
        "_id": customer_key(app_id, shop_id),
        "app_id": app_id,
        "shop_id": shop_id,
        "name": name,
        "domain": domain,
        "avatar_url": None,
        "email": email,
        "country": COUNTRIES[n % len(COUNTRIES)],
        "shopify_plan": rng.choice(("basic", "shopify", "advanced", None)),
        "status": status,
        "plan": plan,
        "paid": mrr > 0,
        "mrr": Decimal128(mrr),
        "currency": currency,
        "billing_interval": None if status == "FREE" else interval,
        "billing_interval_inferred": False,
        "usage_run_rate": Decimal128("0"),
        "installed_at": installed,
        "uninstalled_at": NOW - timedelta(days=1) if status == "UNINSTALLED" else None,
        "trial_ends_at": NOW + timedelta(days=5) if status == "TRIAL" else None,
        "customer_since": customer_since,
        "days_as_customer": (NOW - customer_since).days if customer_since else None,
        "last_active_at": last_active,
        "lifetime_value": Decimal128(ltv),
        "lifetime_net": Decimal128((ltv * Decimal("0.85")).quantize(Decimal("0.0001"))),
        "lifetime_by_currency": [{"currency": currency, "gross": Decimal128(ltv),
                                  "net": Decimal128((ltv * Decimal("0.85")).quantize(Decimal("0.0001")))}],
        "is_test": is_test,
        "health": {"score": 40 + n % 60, "grade": "ABCDF"[n % 5],
                   "factors": [{"name": "payment state", "impact": 20, "detail": "paying"},
                               {"name": "activity recency", "impact": -5, "detail": "quiet for 10 days"}]},
        "segments": segments,
        "timeline": [
            {"type": "INSTALLED", "occurred_at": installed, "plan": None, "mrr_before": None, "mrr_after": None,
             "currency": currency, "charge_id": None, "detail": None},
            {"type": "SUBSCRIBED", "occurred_at": installed + timedelta(days=3), "plan": plan,
             "mrr_before": Decimal128("0"), "mrr_after": Decimal128(mrr), "currency": currency,
             "charge_id": f"gid://shopify/AppSubscription/{n}", "detail": None},
            {"type": "UPGRADED", "occurred_at": installed + timedelta(days=10), "plan": plan,
             "mrr_before": Decimal128(mrr), "mrr_after": Decimal128(mrr), "currency": currency,
             "charge_id": f"gid://shopify/AppSubscription/{n}1", "detail": None},
        ],
        "mrr_history": [
            {"at": installed, "mrr": Decimal128("0"), "currency": currency, "annotation": "INSTALLED"},
            {"at": installed + timedelta(days=3), "mrr": Decimal128(mrr), "currency": currency,
             "annotation": "SUBSCRIBED"},
        ],
        "first_installed_at": installed,
        "name_lc": name.lower(),
        "domain_lc": domain.lower(),
        "email_lc": email.lower() if email else None,
        "search_terms": search_terms(name, domain, email),
        "next_change_at": None,
        "computed_at": NOW,
    }
    doc.update(overrides)
    return doc


def make_transaction(app_id: str, shop_id: str, n: int, typename: str, amount: str, created_at: datetime,
                     currency: str = "USD") -> dict[str, Any]:
    """A `partner_transactions` row."""
    gross = Decimal(amount)
    return {
        "_id": f"gid://partners/{typename}/{n}",
        "app_id": app_id,
        "shop_id": shop_id,
        "type": typename,
        "created_at": created_at,
        "charge_id": f"gid://shopify/AppSubscription/{n % 3}",
        "gross_amount": Decimal128(gross),
        "net_amount": Decimal128((gross * Decimal("0.85")).quantize(Decimal("0.01"))),
        "currency": currency,
        "billing_interval": "EVERY_30_DAYS" if typename == "AppSubscriptionSale" else None,
        "node": {"__typename": typename, "id": f"gid://partners/{typename}/{n}"},
        "restatements": [{"node": {}, "replaced_at": created_at}] if n % 4 == 0 else [],
        "first_seen_at": created_at,
    }


def make_metric(app_id: str, currency: str, day: datetime, total_mrr: str, active: int, **extra: Any) -> dict[str, Any]:
    """An `app_metrics` daily snapshot."""
    movements = {k: Decimal128(str(extra.pop(k, "0"))) for k in ("new", "expansion", "contraction", "churn",
                                                                  "reactivation")}
    doc = {
        "_id": f"{app_id}|{currency}|{day.strftime('%Y-%m-%d')}",
        "app_id": app_id, "currency": currency, "date": day, "total_mrr": Decimal128(total_mrr),
        "active_customers": active, "trial_customers": 1, "installs": 2, "uninstalls": 1,
        "new_customers": 1, "churned_customers": 0, "reactivated_customers": 0, "movements": movements,
    }
    doc.update(extra)
    return doc
