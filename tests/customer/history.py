"""Building one shop's Partner API history for derivation tests.

Times are given as `datetime`s (see `day`); nodes are written exactly as the
Partner API returns them and wrapped as ``{"node": ...}`` like the raw
collections hold them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from crm_shared.clock import to_iso
from crm_shared.customer import derive_customer

APP_ID = "gid://partners/App/101"
T0 = datetime(2025, 1, 1, 10, 0, 0, tzinfo=UTC)


def day(days: float, seconds: int = 0) -> datetime:
    """``T0`` plus ``days`` days and ``seconds`` seconds."""
    return T0 + timedelta(days=days, seconds=seconds)


def midnight(days: int) -> datetime:
    """Midnight UTC of day ``days`` after ``T0`` (billing dates are midnights)."""
    d = day(days)
    return d.replace(hour=0, minute=0, second=0)


def sub_id(n: int) -> str:
    """An AppSubscription gid."""
    return f"gid://shopify/AppSubscription/{n}"


@dataclass
class History:
    """One shop's events and transactions, appended in any order."""

    shop_number: int = 1
    name: str = "Alpha Goods"
    domain: str = "alpha-goods.myshopify.com"
    events: list[dict[str, Any]] = field(default_factory=list)
    transactions: list[dict[str, Any]] = field(default_factory=list)
    charges: dict[int, dict[str, Any]] = field(default_factory=dict)

    @property
    def shop_id(self) -> str:
        return f"gid://partners/Shop/{self.shop_number}"

    def shop(self) -> dict[str, Any]:
        return {"id": self.shop_id, "name": self.name, "myshopifyDomain": self.domain, "avatarUrl": None}

    def _event(self, typename: str, type_: str, t: datetime, **extra: Any) -> History:
        node = {"__typename": typename, "type": type_, "occurredAt": to_iso(t), "app": {"id": APP_ID},
                "shop": self.shop(), **extra}
        self.events.append({"node": node})
        return self

    # relationship
    def install(self, t: datetime) -> History:
        return self._event("RelationshipInstalled", "RELATIONSHIP_INSTALLED", t)

    def uninstall(self, t: datetime, reason: str | None = None, description: str | None = None) -> History:
        return self._event("RelationshipUninstalled", "RELATIONSHIP_UNINSTALLED", t,
                           reason=reason, description=description)

    def close_store(self, t: datetime) -> History:
        return self._event("RelationshipDeactivated", "RELATIONSHIP_DEACTIVATED", t)

    def reopen_store(self, t: datetime) -> History:
        return self._event("RelationshipReactivated", "RELATIONSHIP_REACTIVATED", t)

    # subscription charges
    def charge(self, n: int, name: str = "Pro", amount: str = "29.00", currency: str = "USD",
               billing_on: datetime | None = None, test: bool = False) -> History:
        """Declare subscription charge ``n`` (its node is reused by every event of it)."""
        self.charges[n] = {"id": sub_id(n), "name": name, "test": test,
                           "billingOn": to_iso(billing_on) if billing_on else None,
                           "amount": {"amount": amount, "currencyCode": currency}}
        return self

    def _sub(self, suffix: str, type_: str, n: int, t: datetime) -> History:
        return self._event(f"SubscriptionCharge{suffix}", f"SUBSCRIPTION_CHARGE_{type_}", t,
                           charge=dict(self.charges[n]))

    def accept(self, n: int, t: datetime) -> History:
        return self._sub("Accepted", "ACCEPTED", n, t)

    def activate(self, n: int, t: datetime) -> History:
        return self._sub("Activated", "ACTIVATED", n, t)

    def cancel(self, n: int, t: datetime) -> History:
        return self._sub("Canceled", "CANCELED", n, t)

    def decline(self, n: int, t: datetime) -> History:
        return self._sub("Declined", "DECLINED", n, t)

    def expire(self, n: int, t: datetime) -> History:
        return self._sub("Expired", "EXPIRED", n, t)

    def freeze(self, n: int, t: datetime) -> History:
        return self._sub("Frozen", "FROZEN", n, t)

    def unfreeze(self, n: int, t: datetime) -> History:
        return self._sub("Unfrozen", "UNFROZEN", n, t)

    # other charges
    def one_time(self, n: int, t: datetime, amount: str = "50.00", currency: str = "USD",
                 test: bool = False) -> History:
        charge = {"id": f"gid://shopify/AppPurchaseOneTime/{n}", "name": "Setup", "test": test,
                  "amount": {"amount": amount, "currencyCode": currency}}
        return self._event("OneTimeChargeActivated", "ONE_TIME_CHARGE_ACTIVATED", t, charge=charge)

    def usage(self, n: int, t: datetime, amount: str = "5.00", currency: str = "USD") -> History:
        charge = {"id": f"gid://shopify/AppUsageRecord/{n}", "name": "Emails", "test": False,
                  "amount": {"amount": amount, "currencyCode": currency}}
        return self._event("UsageChargeApplied", "USAGE_CHARGE_APPLIED", t, charge=charge)

    def credit(self, n: int, t: datetime, amount: str = "10.00", currency: str = "USD") -> History:
        credit = {"id": f"gid://shopify/AppCredit/{n}", "name": "Sorry", "test": False,
                  "amount": {"amount": amount, "currencyCode": currency}}
        return self._event("CreditApplied", "CREDIT_APPLIED", t, appCredit=credit)

    # transactions
    def sale(self, tid: int, t: datetime, gross: str, net: str | None = None, currency: str = "USD",
             kind: str = "AppSubscriptionSale", charge: str | None = None,
             interval: str | None = None) -> History:
        node: dict[str, Any] = {
            "__typename": kind, "id": f"gid://partners/{kind}/{tid}", "createdAt": to_iso(t),
            "app": {"id": APP_ID}, "shop": self.shop(), "chargeId": charge,
            "grossAmount": {"amount": gross, "currencyCode": currency},
            "netAmount": {"amount": net if net is not None else gross, "currencyCode": currency},
        }
        if kind == "AppSubscriptionSale":
            node["billingInterval"] = interval
        self.transactions.append({"node": node})
        return self

    def derive(self, now: datetime, profile: dict[str, Any] | None = None) -> dict[str, Any]:
        """The customer document as of ``now``."""
        return derive_customer(APP_ID, self.shop_id, self.events, self.transactions, profile, now)
