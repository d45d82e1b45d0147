"""The console's scenario: eleven shops (plus a test shop) whose numbers are worked out by hand.

Written as Partner API nodes (the scenario format of README "Serve a scenario file"). Every shop's life is
short enough to check against the rules by hand; the expected values are in `EXPECTED`, derived by hand,
not by running the derivation.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

APP = "gid://partners/App/101"
ORG = "1234567"
NOW = "2026-03-01T00:00:00Z"


def _t(day: str, hour: int = 10) -> str:
    return f"{day}T{hour:02d}:00:00Z"


def _shop(n: int, name: str, domain: str) -> dict[str, Any]:
    return {"id": f"gid://partners/Shop/{n}", "name": name, "myshopifyDomain": f"{domain}.myshopify.com",
            "avatarUrl": None}


def _days_after(day: str, days: int) -> str:
    d = datetime.fromisoformat(day).replace(tzinfo=timezone.utc) + timedelta(days=days)
    return d.strftime("%Y-%m-%d")


def _month_days(first: str, count: int) -> list[str]:
    """`count` monthly billing days starting at `first` (same day of month)."""
    y, m, d = (int(x) for x in first.split("-"))
    out = []
    for _ in range(count):
        out.append(f"{y:04d}-{m:02d}-{d:02d}")
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


class Builder:
    """Collects events, transactions and profiles."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.transactions: list[dict[str, Any]] = []
        self.profiles: list[dict[str, Any]] = []
        self._sale = 9000

    def _event(self, typename: str, type_: str, at: str, shop: dict[str, Any], **extra: Any) -> None:
        self.events.append({"__typename": typename, "type": type_, "occurredAt": at, "app": {"id": APP},
                            "shop": shop, **extra})

    def install(self, shop: dict[str, Any], at: str) -> None:
        self._event("RelationshipInstalled", "RELATIONSHIP_INSTALLED", at, shop)

    def uninstall(self, shop: dict[str, Any], at: str, reason: str) -> None:
        self._event("RelationshipUninstalled", "RELATIONSHIP_UNINSTALLED", at, shop, reason=reason,
                    description=None)

    def charge(self, shop: dict[str, Any], cid: int, name: str, amount: str, billing_on: str, currency: str = "USD",
               test: bool = False) -> dict[str, Any]:
        return {"id": f"gid://shopify/AppSubscription/{cid}", "name": name, "test": test,
                "billingOn": _t(billing_on, 0), "amount": {"amount": amount, "currencyCode": currency}}

    def activate(self, shop: dict[str, Any], charge: dict[str, Any], at: str) -> None:
        self._event("SubscriptionChargeActivated", "SUBSCRIPTION_CHARGE_ACTIVATED", at, shop, charge=charge)

    def cancel(self, shop: dict[str, Any], charge: dict[str, Any], at: str) -> None:
        self._event("SubscriptionChargeCanceled", "SUBSCRIPTION_CHARGE_CANCELED", at, shop, charge=charge)

    def freeze(self, shop: dict[str, Any], charge: dict[str, Any], at: str) -> None:
        self._event("SubscriptionChargeFrozen", "SUBSCRIPTION_CHARGE_FROZEN", at, shop, charge=charge)

    def sales(self, shop: dict[str, Any], charge: dict[str, Any], days: list[str], interval: str = "EVERY_30_DAYS"
              ) -> None:
        amount = charge["amount"]
        for day in days:
            self._sale += 1
            gross = amount["amount"]
            net = f"{float(gross) * 0.85:.2f}"
            self.transactions.append({
                "__typename": "AppSubscriptionSale", "id": f"gid://partners/AppSubscriptionSale/{self._sale}",
                "createdAt": _t(day, 12), "app": {"id": APP}, "shop": shop, "chargeId": charge["id"],
                "billingInterval": interval,
                "grossAmount": {"amount": gross, "currencyCode": amount["currencyCode"]},
                "netAmount": {"amount": net, "currencyCode": amount["currencyCode"]},
                "shopifyFee": {"amount": f"{float(gross) - float(net):.2f}", "currencyCode": amount["currencyCode"]},
            })

    def profile(self, shop: dict[str, Any], email: str, country: str, last_active: str) -> None:
        self.profiles.append({"appId": APP, "shopId": shop["id"], "email": email, "country": country,
                              "shopifyPlan": "basic", "lastActiveAt": _t(last_active, 8)})


def build() -> dict[str, Any]:
    b = Builder()
    # 1 Alpha: Basic $10 from 2025-06-01, upgraded to Pro $29 on 2025-12-01 -> ACTIVE $29, LTV 6x10 + 3x29 = $147
    alpha = _shop(1, "Alpha Goods", "alpha")
    b.install(alpha, _t("2025-06-01", 9))
    basic = b.charge(alpha, 11, "Basic", "10.00", "2025-07-01")
    b.activate(alpha, basic, _t("2025-06-01"))
    b.sales(alpha, basic, _month_days("2025-06-01", 6))
    pro = b.charge(alpha, 12, "Pro", "29.00", "2025-12-31")
    b.cancel(alpha, basic, _t("2025-12-01"))
    b.activate(alpha, pro, _t("2025-12-01"))
    b.sales(alpha, pro, _month_days("2025-12-01", 3))
    b.profile(alpha, "owner@alpha.example", "US", "2026-02-28")
    # 2 Beta: annual $240 from 2025-01-10 (MRR $20), two yearly sales -> LTV $480
    beta = _shop(2, "Beta Store", "beta")
    b.install(beta, _t("2025-01-10", 9))
    annual = b.charge(beta, 21, "Annual", "240.00", "2026-01-10")
    b.activate(beta, annual, _t("2025-01-10"))
    b.sales(beta, annual, ["2025-01-10", "2026-01-10"], "ANNUAL")
    b.profile(beta, "hello@beta.example", "CA", "2026-02-10")
    # 3 Gamma: Basic $10 from 2025-10-01, cancelled 2026-02-01 -> CANCELLED, paid $10 before, LTV $40
    gamma = _shop(3, "Gamma Shop", "gamma")
    b.install(gamma, _t("2025-10-01", 9))
    g = b.charge(gamma, 31, "Basic", "10.00", "2025-10-31")
    b.activate(gamma, g, _t("2025-10-01"))
    b.sales(gamma, g, _month_days("2025-10-01", 4))
    b.cancel(gamma, g, _t("2026-02-01"))
    b.profile(gamma, "team@gamma.example", "US", "2026-01-20")
    # 4 Delta: Premium $99 from 2025-03-01, uninstalled 2026-02-10 (no cancel) -> UNINSTALLED, paid $99, LTV 11x99
    delta = _shop(4, "Delta Outfitters", "delta")
    b.install(delta, _t("2025-03-01", 9))
    d = b.charge(delta, 41, "Premium", "99.00", "2025-03-31")
    b.activate(delta, d, _t("2025-03-01"))
    b.sales(delta, d, _month_days("2025-03-01", 11))
    b.uninstall(delta, _t("2026-02-10", 16), "Too expensive")
    b.profile(delta, "ops@delta.example", "GB", "2026-02-09")
    # 5 Epsilon: installed 2026-02-20, never subscribed -> FREE, NEW
    eps = _shop(5, "Epsilon Crafts", "epsilon")
    b.install(eps, _t("2026-02-20", 9))
    b.profile(eps, "me@epsilon.example", "US", "2026-02-20")
    # 6 Zeta: installed 2026-02-20, Pro $29 with a 14-day trial -> TRIAL, MRR 0, NEW
    zeta = _shop(6, "Zeta Zoo", "zeta")
    b.install(zeta, _t("2026-02-20", 9))
    b.activate(zeta, b.charge(zeta, 61, "Pro", "29.00", "2026-03-06"), _t("2026-02-20"))
    b.profile(zeta, "zoo@zeta.example", "FR", "2026-02-20")
    # 7 Eta: Pro $29 from 2025-08-01, downgraded to Basic $10 on 2026-02-15 -> ACTIVE $10, LTV 6x29 + 10 = $184
    eta = _shop(7, "Eta Bikes", "eta")
    b.install(eta, _t("2025-08-01", 9))
    ep = b.charge(eta, 71, "Pro", "29.00", "2025-08-31")
    b.activate(eta, ep, _t("2025-08-01"))
    b.sales(eta, ep, _month_days("2025-08-01", 6))
    eb = b.charge(eta, 72, "Basic", "10.00", "2026-03-17")
    b.cancel(eta, ep, _t("2026-02-15"))
    b.activate(eta, eb, _t("2026-02-15"))
    b.sales(eta, eb, ["2026-02-15"])
    b.profile(eta, "ride@eta.example", "US", "2026-02-16")
    # 8 Theta: Pro $29 from 2025-09-01, frozen 2026-02-20 -> FROZEN, LTV 6x29 = $174
    theta = _shop(8, "Theta Toys", "theta")
    b.install(theta, _t("2025-09-01", 9))
    tc = b.charge(theta, 81, "Pro", "29.00", "2025-10-01")
    b.activate(theta, tc, _t("2025-09-01"))
    b.sales(theta, tc, _month_days("2025-09-01", 6))
    b.freeze(theta, tc, _t("2026-02-20"))
    b.profile(theta, "toys@theta.example", "DE", "2026-02-01")
    # 9 Iota: Enterprise EUR 199 from 2025-05-01 -> ACTIVE EUR 199, LTV 10x199 = EUR 1990
    iota = _shop(9, "Iota Wines", "iota")
    b.install(iota, _t("2025-05-01", 9))
    ic = b.charge(iota, 91, "Enterprise", "199.00", "2025-05-31", currency="EUR")
    b.activate(iota, ic, _t("2025-05-01"))
    b.sales(iota, ic, _month_days("2025-05-01", 10))
    b.profile(iota, "owner@iota.example", "FR", "2026-02-27")
    # 10 Kappa: Basic $10 from 2026-01-05 -> ACTIVE $10, LTV $20
    kappa = _shop(10, "Kappa Tea", "kappa")
    b.install(kappa, _t("2026-01-05", 9))
    kc = b.charge(kappa, 101, "Basic", "10.00", "2026-02-04")
    b.activate(kappa, kc, _t("2026-01-05"))
    b.sales(kappa, kc, ["2026-01-05", "2026-02-05"])
    b.profile(kappa, "brew@kappa.example", "US", "2026-02-25")
    # 11 Lambda: Pro $29 from 2025-11-15, no profile -> ACTIVE $29, LTV 4x29 = $116, no country
    lam = _shop(11, "Lambda Labs", "lambda")
    b.install(lam, _t("2025-11-15", 9))
    lc = b.charge(lam, 111, "Pro", "29.00", "2025-12-15")
    b.activate(lam, lc, _t("2025-11-15"))
    b.sales(lam, lc, _month_days("2025-11-15", 4))
    # 12 Mu: a test charge only -> test shop, in no list
    mu = _shop(12, "Mu Test", "mu")
    b.install(mu, _t("2026-01-10", 9))
    b.activate(mu, b.charge(mu, 121, "Pro", "29.00", "2026-02-09", test=True), _t("2026-01-10"))
    return {
        "organization": {"id": ORG, "name": "Acme Apps", "accessToken": "prtapi_console"},
        "apps": [{"id": APP, "name": "Ranky", "apiKey": "k101"}],
        "events": b.events,
        "transactions": b.transactions,
        "shopProfiles": b.profiles,
        "now": NOW,
    }


def write(path: Path) -> Path:
    path.write_text(json.dumps(build(), indent=1), encoding="utf-8")
    return path


# By hand from the customer rules (the crm_shared.customer docstrings) at now = 2026-03-01:
# shop number -> (name, status, plan, MRR, currency, LTV, country)
EXPECTED: dict[int, tuple[str, str, str, str, str, str, str | None]] = {
    1: ("Alpha Goods", "ACTIVE", "Pro", "29.00", "USD", "147.00", "US"),
    2: ("Beta Store", "ACTIVE", "Annual", "20.00", "USD", "480.00", "CA"),
    3: ("Gamma Shop", "CANCELLED", "Basic", "0.00", "USD", "40.00", "US"),
    4: ("Delta Outfitters", "UNINSTALLED", "Premium", "0.00", "USD", "1089.00", "GB"),
    5: ("Epsilon Crafts", "FREE", "Free", "0.00", "USD", "0.00", "US"),
    6: ("Zeta Zoo", "TRIAL", "Pro", "0.00", "USD", "0.00", "FR"),
    7: ("Eta Bikes", "ACTIVE", "Basic", "10.00", "USD", "184.00", "US"),
    8: ("Theta Toys", "FROZEN", "Pro", "0.00", "USD", "174.00", "DE"),
    9: ("Iota Wines", "ACTIVE", "Enterprise", "199.00", "EUR", "1990.00", "FR"),
    10: ("Kappa Tea", "ACTIVE", "Basic", "10.00", "USD", "20.00", "US"),
    11: ("Lambda Labs", "ACTIVE", "Pro", "29.00", "USD", "116.00", None),
}
