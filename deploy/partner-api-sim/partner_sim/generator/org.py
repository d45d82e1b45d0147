"""Assemble a whole organization: apps, shops, one ``MerchantLife`` per (app, shop), profiles."""

from __future__ import annotations

import calendar
import random
import re
from datetime import datetime, timezone
from typing import Any

from partner_sim.generator.catalog import (
    COUNTRIES,
    DEFAULT_CURRENCIES,
    LANGUAGE_OF_COUNTRY,
    NAME_FIRST,
    NAME_SECOND,
    SHOPIFY_PLANS,
)
from partner_sim.generator.ids import IdSource
from partner_sim.generator.life import DAY, HOUR, MerchantLife
from partner_sim.generator.nodes import iso

APP_NAMES = ("Ranky", "Stocky", "Bundlr", "Reviewly", "Shipwise", "Upsellr", "Loyalo", "Chatterly")
LEGACY_FROM = calendar.timegm((2019, 1, 1, 0, 0, 0))
LEGACY_TO = calendar.timegm((2020, 6, 1, 0, 0, 0))
KINDS = (("paying", 0.72), ("free", 0.22), ("mixed", 0.06))


def _weighted(rng: random.Random, table: tuple[tuple[str, float], ...] | list[tuple[str, float]]) -> str:
    r = rng.random() * sum(w for _, w in table)
    for value, weight in table:
        if r < weight:
            return value
        r -= weight
    return table[-1][0]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def build_org(
    seed: int,
    n_apps: int,
    n_shops: int,
    years: float,
    now: datetime | None,
    currencies: dict[str, float] | None,
    redacted_rate: float,
    legacy_rate: float,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The §6 scenario dict and the ground-truth list."""
    if n_apps < 1 or n_shops < 0 or years <= 0:
        raise ValueError("need apps >= 1, shops >= 0 and years > 0")
    if now is None:
        now = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    now_ts = int(now.timestamp())
    start = now_ts - int(years * 365.25 * DAY)
    latest_install = now_ts - 3 * HOUR
    currency_table = sorted((currencies or DEFAULT_CURRENCIES).items())
    org_rng = random.Random(f"org/{seed}")
    organization = {"id": str(1_000_000 + seed % 9_000_000), "name": f"Simulated Apps {seed}",
                    "accessToken": f"prtapi_sim_{seed}"}
    apps: list[dict[str, Any]] = []
    for i in range(n_apps):
        name = APP_NAMES[i % len(APP_NAMES)] + ("" if i < len(APP_NAMES) else f" {i // len(APP_NAMES) + 1}")
        apps.append({"id": f"gid://partners/App/{101 + i}", "name": name,
                     "apiKey": f"{org_rng.getrandbits(128):032x}", "onAppPricing": n_apps > 1 and i == n_apps - 1})
    app_refs = [{"id": a["id"]} for a in apps]
    ids = IdSource()
    events: list[dict[str, Any]] = []
    transactions: list[dict[str, Any]] = []
    truth: list[dict[str, Any]] = []
    profiles: list[dict[str, Any]] = []
    for i in range(n_shops):
        rng = random.Random(seed * 1_000_003 + i)
        dev_store = rng.random() < 0.05
        currency = "USD" if dev_store else _weighted(rng, currency_table)
        country = rng.choice(COUNTRIES.get(currency, ("US",)))
        redacted = rng.random() < redacted_rate
        name = f"{rng.choice(NAME_FIRST)} {rng.choice(NAME_SECOND)}"
        shop_number = 100_001 + i
        shop = {"id": f"gid://partners/Shop/{shop_number}",
                "name": "REDACTED" if redacted else name,
                "myshopifyDomain": "REDACTED" if redacted else f"{_slug(name)}-{shop_number}.myshopify.com",
                "avatarUrl": None}
        app_indexes = [rng.randrange(n_apps)]
        if n_apps > 1 and rng.random() < 0.15:
            app_indexes.append((app_indexes[0] + 1 + rng.randrange(n_apps - 1)) % n_apps)
        legacy = rng.random() < legacy_rate and start > LEGACY_TO
        for a in app_indexes:
            if legacy:
                install_at = rng.randint(LEGACY_FROM, LEGACY_TO)
            else:
                install_at = start + int((latest_install - start) * rng.random() ** 0.8)
            kind = "test" if dev_store else _weighted(rng, KINDS)
            life = MerchantLife(rng=rng, ids=ids, app_ref=app_refs[a], shop=shop, currency=currency,
                                language=LANGUAGE_OF_COUNTRY.get(country, "en"), now=now_ts, kind=kind)
            expectation = life.run(install_at)
            events.extend(life.events)
            transactions.extend(life.transactions)
            truth.append(expectation.as_dict())
            if not redacted and rng.random() < 0.85:
                profiles.append(_profile(rng, shop, apps[a]["id"], name, country, dev_store, expectation.installed_at,
                                         expectation.uninstalled_at, now_ts))
    events.sort(key=lambda e: e["occurredAt"])
    transactions.sort(key=lambda t: t["createdAt"])
    scenario = {"organization": organization, "apps": apps, "events": events, "transactions": transactions,
                "shopProfiles": profiles, "now": iso(now_ts)}
    return scenario, truth


def _profile(rng: random.Random, shop: dict[str, Any], app_id: str, name: str, country: str, dev_store: bool,
             installed_at: int, uninstalled_at: int | None, now_ts: int) -> dict[str, Any]:
    if uninstalled_at is None:
        last_active = max(installed_at, now_ts - rng.randint(0, 45 * DAY))
    else:
        last_active = max(installed_at, uninstalled_at - rng.randint(0, 3 * DAY))
    return {"appId": app_id, "shopId": shop["id"], "email": f"owner@{_slug(name)}.example",
            "country": country, "shopifyPlan": "partner_test" if dev_store else rng.choice(SHOPIFY_PLANS),
            "lastActiveAt": iso(last_active)}


