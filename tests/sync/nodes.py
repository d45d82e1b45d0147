"""Partner API nodes for tests, shaped exactly as the API returns them."""

from __future__ import annotations

from typing import Any

APP = "gid://partners/App/101"


def shop(n: int = 1) -> dict[str, Any]:
    return {"id": f"gid://partners/Shop/{n}", "name": f"Shop {n}", "myshopifyDomain": f"shop{n}.myshopify.com",
            "avatarUrl": None}


def subscription_event(type_: str = "SUBSCRIPTION_CHARGE_ACTIVATED", typename: str = "SubscriptionChargeActivated",
                       at: str = "2026-01-05T10:02:00Z", shop_n: int = 1, charge_n: int = 11,
                       amount: Any = "29.00") -> dict[str, Any]:
    return {"__typename": typename, "type": type_, "occurredAt": at, "app": {"id": APP}, "shop": shop(shop_n),
            "charge": {"id": f"gid://shopify/AppSubscription/{charge_n}", "name": "Pro", "test": False,
                       "billingOn": "2026-01-19T00:00:00Z", "amount": {"amount": amount, "currencyCode": "USD"}}}


def install_event(at: str = "2026-01-05T10:00:00Z", shop_n: int = 1) -> dict[str, Any]:
    return {"__typename": "RelationshipInstalled", "type": "RELATIONSHIP_INSTALLED", "occurredAt": at,
            "app": {"id": APP}, "shop": shop(shop_n)}


def sale(n: int = 5001, gross: str = "29.00", net: str = "24.65", shop_n: int | None = 1,
         created: str = "2026-02-01T00:00:00Z", currency: str = "USD") -> dict[str, Any]:
    return {"__typename": "AppSubscriptionSale", "id": f"gid://partners/AppSubscriptionSale/{n}",
            "createdAt": created, "app": {"id": APP}, "shop": shop(shop_n) if shop_n else None,
            "chargeId": "gid://shopify/AppSubscription/11", "billingInterval": "EVERY_30_DAYS",
            "grossAmount": {"amount": gross, "currencyCode": currency},
            "netAmount": {"amount": net, "currencyCode": currency},
            "shopifyFee": {"amount": "4.35", "currencyCode": currency}}
