"""2026-07 ``PartnerEvent`` nodes derived from the same history as the legacy events.

Mapping (one legacy record → zero or more new events):
- ``RELATIONSHIP_*`` → ``Relationship`` (state, reason, reasonDescription)
- ``SUBSCRIPTION_CHARGE_ACTIVATED|CANCELED|FROZEN|UNFROZEN`` → ``SubscriptionStatus``
  (CREATED, or UPDATED when it replaces a charge cancelled in the same minute; CANCELED; FROZEN; UNFROZEN)
  with ``plan { handle billingPeriod prices trialDays trialDaysRemaining }``; test charges are left out
- ``ONE_TIME_CHARGE_ACTIVATED`` / ``USAGE_CHARGE_APPLIED`` → ``Charge`` (ONE_TIME / USAGE)
- ``CREDIT_APPLIED|FAILED|PENDING`` → ``Credit``
- each app transaction → ``Earning`` (and an ``AppSubscriptionSale`` also → ``Charge`` RECURRING)

Ids are ``gid://shopify/PartnerEvent/<n>`` with ``n`` stable for a given record.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from partner_sim.ordered_index import OrderedIndex
from partner_sim.store import Store, StoredEvent, StoredTransaction

DAY = 86400
CLOSING_RANK = {
    "RELATIONSHIP_INSTALLED": 0, "RELATIONSHIP_REACTIVATED": 1, "SUBSCRIPTION_CHARGE_ACCEPTED": 2,
    "SUBSCRIPTION_CHARGE_ACTIVATED": 3, "SUBSCRIPTION_CHARGE_UNFROZEN": 4, "SUBSCRIPTION_CHARGE_FROZEN": 5,
    "RELATIONSHIP_DEACTIVATED": 6, "SUBSCRIPTION_CHARGE_CANCELED": 7, "SUBSCRIPTION_CHARGE_DECLINED": 8,
    "SUBSCRIPTION_CHARGE_EXPIRED": 9, "RELATIONSHIP_UNINSTALLED": 10,
}
_EARNING = {
    "AppSubscriptionSale": ("CHARGE", "EARNING_CHARGE_RECURRING"),
    "AppUsageSale": ("CHARGE", "EARNING_CHARGE_USAGE"),
    "AppOneTimeSale": ("CHARGE", "EARNING_CHARGE_ONE_TIME"),
    "AppSaleCredit": ("CREDIT", "EARNING_CREDIT"),
    "AppSaleAdjustment": ("ADJUSTMENT", "EARNING_ADJUSTMENT"),
}
_SUB_STATES = {
    "SUBSCRIPTION_CHARGE_ACTIVATED": "CREATED",
    "SUBSCRIPTION_CHARGE_CANCELED": "CANCELED",
    "SUBSCRIPTION_CHARGE_FROZEN": "FROZEN",
    "SUBSCRIPTION_CHARGE_UNFROZEN": "UNFROZEN",
}


def number(gid: str | None) -> str:
    """Trailing number of a gid."""
    return (gid or "").rsplit("/", 1)[-1]


def shopify_gid(kind: str, gid: str | None) -> str:
    """``gid://partners/Shop/7`` → ``gid://shopify/Shop/7``."""
    return f"gid://shopify/{kind}/{number(gid)}"


def parse_ts(iso: str) -> int:
    """Epoch seconds of an ISO string."""
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def iso(ts: int) -> str:
    """Epoch seconds → ISO-8601 UTC."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class ChargeFacts:
    """What the history says about one subscription charge."""

    activated_at: int
    billing_on: int | None
    annual: bool
    trial_end: int | None


def billing_period(activated_at: int, billing_on: int | None) -> str:
    """ANNUAL when the first bill is at least 360 days after activation."""
    return "ANNUAL" if billing_on is not None and billing_on - activated_at >= 360 * DAY else "EVERY_30_DAYS"


def subscription_facts(events: list[StoredEvent]) -> dict[str, ChargeFacts]:
    """Activation, billing period and trial of every non-test charge of one (app, shop), oldest first."""
    facts: dict[str, ChargeFacts] = {}
    first_done = False
    cancelled = [(e.ts, e.charge_id) for e in events if e.type == "SUBSCRIPTION_CHARGE_CANCELED" and e.charge_id]
    for ev in sorted(events, key=lambda e: (e.ts, CLOSING_RANK.get(e.type, 11))):
        charge = ev.node.get("charge") or {}
        if ev.type != "SUBSCRIPTION_CHARGE_ACTIVATED" or charge.get("test"):
            continue
        billing_on = parse_ts(charge["billingOn"]) if charge.get("billingOn") else None
        annual = billing_period(ev.ts, billing_on) == "ANNUAL"
        cycle = (365 if annual else 30) * DAY
        trial_end: int | None = None
        if billing_on is not None:
            gap = billing_on - ev.ts
            if not first_done and 2 * DAY < gap < cycle - DAY:
                trial_end = billing_on
            else:
                for ts, cid in cancelled:
                    prev = facts.get(cid)
                    if abs(ts - ev.ts) <= 60 and prev and prev.trial_end and prev.trial_end > ev.ts:
                        trial_end = billing_on
        first_done = True
        facts[charge["id"]] = ChargeFacts(ev.ts, billing_on, annual, trial_end)
    return facts


class PartnerEventRecord:
    """One derived 2026-07 event, indexed newest first."""

    __slots__ = ("key", "ts", "app_id", "shop_id", "event_type", "node", "visible_after")

    def __init__(self, node: dict[str, Any], ts: int, seq: int, app_id: str, shop_id: str | None,
                 visible_after: float) -> None:
        self.node = node
        self.ts = ts
        self.key = (-ts, -seq)
        self.app_id = app_id
        self.shop_id = shop_id
        self.event_type: str = node["eventType"]
        self.visible_after = visible_after


def _stable_id(*parts: str) -> str:
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()
    return f"gid://shopify/PartnerEvent/{int(digest[:13], 16)}"


def _handle(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class PartnerEventBuilder:
    """Builds the derived events of a ``Store``."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._seq = 0

    def _refs(self, app_id: str, shop: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any] | None]:
        app = self.store.apps.get(app_id, {"id": app_id, "name": "", "apiKey": ""})
        subject = {"__typename": "AppReference", "id": shopify_gid("App", app_id), "name": app.get("name", ""),
                   "apiKey": app.get("apiKey", "")}
        shop_ref = None
        if shop:
            shop_ref = {"id": shopify_gid("Shop", shop.get("id")), "name": shop.get("name", ""),
                        "myshopifyDomain": shop.get("myshopifyDomain", "")}
        return subject, shop_ref

    def _record(self, node: dict[str, Any], ts: int, app_id: str, shop_id: str | None,
                visible_after: float) -> PartnerEventRecord:
        self._seq += 1
        return PartnerEventRecord(node, ts, self._seq, app_id, shop_id, visible_after)

    def build(self) -> OrderedIndex[PartnerEventRecord]:
        """Every derived event of the organization, newest first."""
        out: OrderedIndex[PartnerEventRecord] = OrderedIndex()
        for (_app_id, _shop_id), index in sorted(self.store.events_by_shop.items()):
            facts = subscription_facts(index.items)
            for ev in index.items:
                for rec in self.from_event(ev, facts):
                    out.bulk_add(rec)
        for tx in self.store.txns_all.items:
            for rec in self.from_transaction(tx):
                out.bulk_add(rec)
        out.finalize()
        return out

    def from_event(self, ev: StoredEvent, facts: dict[str, ChargeFacts]) -> list[PartnerEventRecord]:
        """The new-style events of one legacy event."""
        node = ev.node
        subject, shop_ref = self._refs(ev.app_id, node.get("shop"))
        base = {"id": _stable_id(ev.app_id, ev.type, node["occurredAt"], ev.shop_id or "", ev.charge_id or ""),
                "occurredAt": node["occurredAt"], "shop": shop_ref, "subject": subject}
        t = ev.type
        if t.startswith("RELATIONSHIP_"):
            state = t.removeprefix("RELATIONSHIP_")
            new = {**base, "__typename": "Relationship", "eventType": t, "state": state,
                   "reason": node.get("reason"), "reasonDescription": node.get("description")}
        elif t in _SUB_STATES:
            charge = node.get("charge") or {}
            if charge.get("test"):
                return []
            state = _SUB_STATES[t]
            if state == "CREATED" and self._replaces_in_same_minute(ev):
                state = "UPDATED"
            new = {**base, "__typename": "SubscriptionStatus", "eventType": f"SUBSCRIPTION_{state}", "state": state,
                   "plan": self._plan(charge, facts.get(charge.get("id", ""))),
                   "cancelEffectiveOn": node["occurredAt"][:10] if state == "CANCELED" else None}
        elif t in ("ONE_TIME_CHARGE_ACTIVATED", "USAGE_CHARGE_APPLIED"):
            charge = node.get("charge") or {}
            if charge.get("test"):
                return []
            kind = "ONE_TIME" if t.startswith("ONE_TIME") else "USAGE"
            new = {**base, "__typename": "Charge", "eventType": f"CHARGE_{kind}", "chargeType": kind,
                   "chargeId": charge.get("id"), "amount": charge.get("amount"), "description": charge.get("name"),
                   "planHandle": None, "usageQuantity": None, "balanceUsed": None, "cappedAmount": None,
                   "metadata": None}
        elif t.startswith("CREDIT_"):
            credit = node.get("appCredit") or {}
            status = t.removeprefix("CREDIT_")
            new = {**base, "__typename": "Credit", "eventType": t, "status": status,
                   "money": credit.get("amount"), "description": credit.get("name")}
        else:
            return []
        return [self._record(new, ev.ts, ev.app_id, ev.shop_id, ev.visible_after)]

    def _replaces_in_same_minute(self, ev: StoredEvent) -> bool:
        index = self.store.events_by_shop.get((ev.app_id, ev.shop_id or ""))
        if index is None:
            return False
        return any(o.type == "SUBSCRIPTION_CHARGE_CANCELED" and abs(o.ts - ev.ts) <= 60 and o.charge_id != ev.charge_id
                   for o in index.items)

    def _plan(self, charge: dict[str, Any], facts: ChargeFacts | None) -> dict[str, Any]:
        """``Plan``; ``trialDaysRemaining`` is resolved per request from the hidden ``_trialEnd``."""
        amount = charge.get("amount") or {}
        trial_days = 0
        if facts is not None and facts.trial_end is not None:
            trial_days = max(1, round((facts.trial_end - facts.activated_at) / DAY))
        period = "ANNUAL" if facts is not None and facts.annual else "EVERY_30_DAYS"
        return {"handle": _handle(charge.get("name", "")), "billingPeriod": period, "trialDays": trial_days,
                "_trialEnd": facts.trial_end if facts is not None else None,
                "prices": [{"__typename": "FlatRatePrice", "active": True,
                            "currency": amount.get("currencyCode", "USD"), "amount": amount.get("amount", "0")}]}

    def from_transaction(self, tx: StoredTransaction) -> list[PartnerEventRecord]:
        """An ``Earning`` for each app sale; also a RECURRING ``Charge`` for subscription sales."""
        if tx.typename not in _EARNING or tx.app_id is None:
            return []
        node = tx.node
        subject, shop_ref = self._refs(tx.app_id, node.get("shop"))
        earning_type, event_type = _EARNING[tx.typename]
        gross = node.get("grossAmount") or node.get("netAmount")
        if tx.typename == "AppSaleAdjustment" and gross and gross.get("amount", "").startswith("-"):
            earning_type, event_type = "REFUND", "EARNING_REFUND"
        base = {"occurredAt": node["createdAt"], "shop": shop_ref, "subject": subject}
        earning = {**base, "__typename": "Earning", "id": _stable_id("earning", tx.id), "eventType": event_type,
                   "earningType": earning_type, "chargeId": node.get("chargeId"), "grossAmount": gross,
                   "netAmount": node.get("netAmount"), "shopifyFee": node.get("shopifyFee") or {
                       "amount": "0.00", "currencyCode": (gross or {}).get("currencyCode", "USD")},
                   "description": None, "metadata": None, "settlementDate": node["createdAt"][:10]}
        out = [self._record(earning, tx.ts, tx.app_id, tx.shop_id, tx.visible_after)]
        if tx.typename == "AppSubscriptionSale":
            charge = {**base, "__typename": "Charge", "id": _stable_id("charge", tx.id),
                      "eventType": "CHARGE_RECURRING",
                      "chargeType": "RECURRING", "chargeId": node.get("chargeId") or tx.id, "amount": gross,
                      "description": None, "planHandle": None, "usageQuantity": None, "balanceUsed": None,
                      "cappedAmount": None, "metadata": None if node.get("chargeId") else {"legacyChargeId": tx.id}}
            out.append(self._record(charge, tx.ts, tx.app_id, tx.shop_id, tx.visible_after))
        return out
