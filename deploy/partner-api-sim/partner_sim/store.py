"""In-memory, indexed Partner API data: events per app (newest first) and transactions.

Built once from a ``Scenario``; events and transactions can be appended at
runtime (``/_admin/append``, late events) and transactions restated by id.
"""

from __future__ import annotations

import calendar
import itertools
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_shared.clock import parse_iso
from partner_sim.gc_pause import gc_paused
from partner_sim.ordered_index import OrderedIndex
from partner_sim.scenario import Scenario, typename_for

_DAY_EPOCH: dict[str, int] = {}


def epoch(iso: str) -> int:
    """Whole epoch seconds of an ISO-8601 UTC string (fast path for ``YYYY-MM-DDTHH:MM:SSZ``)."""
    if len(iso) == 20 and iso[19] == "Z" and iso[10] == "T":
        day = iso[:10]
        base = _DAY_EPOCH.get(day)
        if base is None:
            base = _DAY_EPOCH[day] = calendar.timegm((int(day[:4]), int(day[5:7]), int(day[8:10]), 0, 0, 0))
        return base + int(iso[11:13]) * 3600 + int(iso[14:16]) * 60 + int(iso[17:19])
    return int(parse_iso(iso).timestamp())


def _visible_after(node: dict[str, Any]) -> float:
    raw = node.get("visibleAfter")
    return parse_iso(raw).timestamp() if raw else 0.0


def _index_in(indexes: dict[Any, OrderedIndex[Any]], key: Any) -> OrderedIndex[Any]:
    index = indexes.get(key)
    if index is None:
        index = indexes[key] = OrderedIndex()
    return index


class StoredEvent:
    """One app event plus its index keys."""

    __slots__ = ("key", "ts", "app_id", "shop_id", "charge_id", "type", "node", "visible_after")

    def __init__(self, node: dict[str, Any], seq: int, visible_after: float) -> None:
        self.node = node
        self.ts = epoch(node["occurredAt"])
        self.key = (-self.ts, -seq)
        self.app_id: str = node["app"]["id"]
        self.shop_id: str | None = (node.get("shop") or {}).get("id")
        charge = node.get("charge") or node.get("appCredit") or {}
        self.charge_id: str | None = charge.get("id")
        self.type: str = node["type"]
        self.visible_after = visible_after


class StoredTransaction:
    """The current version of one transaction plus its index keys."""

    __slots__ = ("key", "ts", "id", "app_id", "shop_id", "domain", "typename", "node", "visible_after")

    def __init__(self, node: dict[str, Any], seq: int, visible_after: float) -> None:
        self.node = node
        self.id: str = node["id"]
        self.ts = epoch(node["createdAt"])
        self.key = (-self.ts, -seq)
        self.app_id: str | None = (node.get("app") or {}).get("id")
        shop = node.get("shop") or {}
        self.shop_id: str | None = shop.get("id")
        self.domain: str | None = shop.get("myshopifyDomain")
        self.typename: str = node["__typename"]
        self.visible_after = visible_after


@dataclass
class Store:
    """Everything the simulator serves, indexed for newest-first paging."""

    organization: dict[str, Any]
    apps: dict[str, dict[str, Any]]
    now: datetime | None

    def __post_init__(self) -> None:
        self._seq = itertools.count(1)
        self.events_by_app: dict[str, OrderedIndex[StoredEvent]] = {a: OrderedIndex() for a in self.apps}
        self.events_by_shop: dict[tuple[str, str], OrderedIndex[StoredEvent]] = {}
        self.events_by_charge: dict[tuple[str, str], OrderedIndex[StoredEvent]] = {}
        self.txns_all: OrderedIndex[StoredTransaction] = OrderedIndex()
        self.txns_by_app: dict[str, OrderedIndex[StoredTransaction]] = {}
        self.txns_by_shop: dict[str, OrderedIndex[StoredTransaction]] = {}
        self.txns_by_domain: dict[str, OrderedIndex[StoredTransaction]] = {}
        self.txn_by_id: dict[str, StoredTransaction] = {}
        #: bumped on every runtime change (caches of derived views compare it)
        self.generation = 0
        self.derived_cache: dict[str, tuple[int, Any]] = {}

    # ---- construction -------------------------------------------------
    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Store:
        """Index a scenario (events and transactions are referenced, not copied)."""
        store = cls(
            organization=scenario.organization,
            apps={a["id"]: a for a in scenario.apps},
            now=scenario.now,
        )
        with gc_paused():
            store._load(scenario.events, scenario.transactions)
        return store

    def _load(self, events: list[dict[str, Any]], transactions: list[dict[str, Any]]) -> None:
        for node in events:
            self._add_event(node, bulk=True)
        latest: dict[str, dict[str, Any]] = {}
        for node in transactions:  # a repeated id is a restatement: the last one wins
            latest[node["id"]] = node
        for node in latest.values():
            self._add_transaction(node, bulk=True)
        for idx in itertools.chain(
            self.events_by_app.values(), self.events_by_shop.values(), self.events_by_charge.values(),
            (self.txns_all,), self.txns_by_app.values(), self.txns_by_shop.values(), self.txns_by_domain.values(),
        ):
            idx.finalize()

    # ---- events --------------------------------------------------------
    def add_event(self, node: dict[str, Any]) -> None:
        """Append one event at runtime (its ``visibleAfter`` key, if any, delays it)."""
        self._add_event(node, bulk=False)
        self.generation += 1

    def _add_event(self, node: dict[str, Any], bulk: bool) -> None:
        if "__typename" not in node:
            node["__typename"] = typename_for(node["type"])
        ev = StoredEvent(node, next(self._seq), _visible_after(node))
        if ev.app_id not in self.events_by_app:
            # Events of apps outside the organization are kept out of reach, as in production.
            return
        targets = [self.events_by_app[ev.app_id]]
        if ev.shop_id is not None:
            targets.append(_index_in(self.events_by_shop, (ev.app_id, ev.shop_id)))
        if ev.charge_id is not None:
            targets.append(_index_in(self.events_by_charge, (ev.app_id, ev.charge_id)))
        for idx in targets:
            idx.bulk_add(ev) if bulk else idx.insert(ev)

    # ---- transactions --------------------------------------------------
    def add_transaction(self, node: dict[str, Any]) -> None:
        """Append (or, for a known id, restate) one transaction at runtime."""
        self._add_transaction(node, bulk=False)
        self.generation += 1

    def _txn_indexes(self, tx: StoredTransaction) -> list[OrderedIndex[StoredTransaction]]:
        out = [self.txns_all]
        if tx.app_id is not None:
            out.append(_index_in(self.txns_by_app, tx.app_id))
        if tx.shop_id is not None:
            out.append(_index_in(self.txns_by_shop, tx.shop_id))
        if tx.domain is not None:
            out.append(_index_in(self.txns_by_domain, tx.domain))
        return out

    def _add_transaction(self, node: dict[str, Any], bulk: bool) -> None:
        if (node.get("app") or {}).get("id") not in self.apps:
            return  # another organization's transaction (or not an app transaction): never served
        old = self.txn_by_id.get(node["id"])
        if old is not None:
            for idx in self._txn_indexes(old):
                idx.remove(old)
        tx = StoredTransaction(node, next(self._seq), _visible_after(node))
        self.txn_by_id[tx.id] = tx
        for idx in self._txn_indexes(tx):
            idx.bulk_add(tx) if bulk else idx.insert(tx)

    def restate(self, txn_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Replace a transaction's amounts (same id); returns the new node.

        ``changes`` may hold ``grossAmount``/``netAmount``/``shopifyFee`` as strings
        (kept in the transaction's currency) and ``createdAt``."""
        old = self.txn_by_id.get(txn_id)
        if old is None:
            raise KeyError(txn_id)
        node = dict(old.node)
        currency = (node.get("netAmount") or {}).get("currencyCode", "USD")
        for field_name in ("grossAmount", "netAmount", "shopifyFee"):
            if field_name in changes:
                value = changes[field_name]
                money = {"amount": str(value), "currencyCode": currency}
                node[field_name] = value if isinstance(value, dict) else money
        if "createdAt" in changes:
            node["createdAt"] = changes["createdAt"]
        self._add_transaction(node, bulk=False)
        self.generation += 1
        return node

    # ---- lookups -------------------------------------------------------
    def app(self, app_id: str | None) -> dict[str, Any] | None:
        """The organization's app with that gid, else None."""
        return self.apps.get(app_id) if app_id else None

    @staticmethod
    def visible(record: StoredEvent | StoredTransaction) -> bool:
        """False while a late-arriving record is still hidden."""
        return record.visible_after <= time.time()
