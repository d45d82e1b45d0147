"""2026-07 ``activeSubscription(appId, shopId)`` for apps on Shopify App Pricing.

Only apps marked ``"onAppPricing": true`` in the scenario answer; ids must be
``gid://shopify/App/N`` and ``gid://shopify/Shop/N``. The live subscription is
read from the shop's history: the most recently activated non-test charge,
unless it was cancelled or an uninstall ended it since.
"""

from __future__ import annotations

import re
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from partner_sim.context import ctx
from partner_sim.partner_events import CLOSING_RANK, DAY, iso, shopify_gid, subscription_facts
from partner_sim.store import Store, StoredEvent

_GID = re.compile(r"^gid://shopify/(App|Shop)/(\d+)$")


def _gid_number(value: str, kind: str) -> str:
    m = _GID.match(value or "")
    if m is None or m.group(1) != kind:
        raise GraphQLError(f"Invalid {kind.lower()}Id: expected gid://shopify/{kind}/<id>, got '{value}'")
    return m.group(2)


def live_charge(events: list[StoredEvent]) -> tuple[StoredEvent, bool] | None:
    """The activation event of the live charge and whether it is frozen, or None."""
    live: StoredEvent | None = None
    frozen = False
    for ev in sorted(events, key=lambda e: (e.ts, CLOSING_RANK.get(e.type, 11))):
        charge = ev.node.get("charge") or {}
        if ev.type == "SUBSCRIPTION_CHARGE_ACTIVATED" and not charge.get("test"):
            live, frozen = ev, False
        elif live is not None and ev.type == "RELATIONSHIP_UNINSTALLED":
            live = None
        elif live is not None and ev.charge_id == live.charge_id:
            if ev.type in ("SUBSCRIPTION_CHARGE_CANCELED", "SUBSCRIPTION_CHARGE_EXPIRED",
                           "SUBSCRIPTION_CHARGE_DECLINED"):
                live = None
            elif ev.type == "SUBSCRIPTION_CHARGE_FROZEN":
                frozen = True
            elif ev.type == "SUBSCRIPTION_CHARGE_UNFROZEN":
                frozen = False
    return (live, frozen) if live is not None else None


def resolve_active_subscription(_root: Any, info: GraphQLResolveInfo, appId: str,  # noqa: N803
                                shopId: str) -> dict[str, Any] | None:  # noqa: N803
    """The shop's live App Pricing subscription, or null."""
    context = ctx(info)
    store = context.store
    app_id = f"gid://partners/App/{_gid_number(appId, 'App')}"
    shop_id = f"gid://partners/Shop/{_gid_number(shopId, 'Shop')}"
    app = store.apps.get(app_id)
    if app is None or not app.get("onAppPricing"):
        return None
    index = store.events_by_shop.get((app_id, shop_id))
    if index is None:
        return None
    visible = [ev for ev in index.items if Store.visible(ev)]
    found = live_charge(visible)
    if found is None:
        return None
    activation, _frozen = found
    charge = activation.node["charge"]
    facts = subscription_facts(visible).get(charge["id"])
    now_ts = int(context.now().timestamp())
    annual = facts.annual if facts is not None else False
    cycle = (365 if annual else 30) * DAY
    trial_end = facts.trial_end if facts is not None and facts.trial_end and facts.trial_end > now_ts else None
    billing_cycle = None
    if trial_end is None and facts is not None and facts.billing_on is not None:
        end = facts.billing_on
        while end <= now_ts:
            end += cycle
        billing_cycle = {"startTime": iso(max(end - cycle, facts.activated_at)), "endTime": iso(end)}
    shop = activation.node.get("shop") or {}
    amount = charge.get("amount") or {}
    return {
        "app": {"id": shopify_gid("App", app_id), "name": app.get("name", ""), "apiKey": app.get("apiKey", "")},
        "shop": {"id": shopify_gid("Shop", shop_id), "name": shop.get("name", ""),
                 "myshopifyDomain": shop.get("myshopifyDomain", "")},
        "billingPeriod": "ANNUAL" if annual else "EVERY_30_DAYS",
        "cancelAtEndOfCycle": False,
        "currentBillingCycle": billing_cycle,
        "items": [{"description": charge.get("name"), "discount": None, "handle": None, "usage": None,
                   "price": {"__typename": "FlatRatePrice", "active": True,
                             "currency": amount.get("currencyCode", "USD"), "amount": amount.get("amount", "0")}}],
        "legacySubscriptionId": charge["id"],
        "pendingUpdate": None,
        "trialEndsAt": iso(trial_end) if trial_end is not None else None,
    }


__all__ = ["live_charge", "resolve_active_subscription"]
