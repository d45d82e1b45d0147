"""The money side of one customer: lifetime value per currency, billing
intervals from subscription sales, usage sales.

Lifetime value (docs/customer-rules.md, Lifetime value) is the signed sum of ``grossAmount`` (and of
``netAmount`` for `lifetimeNet`) over the shop's app sales — subscription,
usage, one-time, adjustment, credit — one version per transaction id (the one
with the latest ``createdAt`` wins; on equal ``createdAt`` the later input
document wins), per currency, never summed across currencies.  Transactions
created after ``now`` are not yet known and are ignored, as are sales of test
charges.

Cases the Partner API produces that a naive reading gets wrong:
- A $0.00 subscription sale (a trial conversion or a downgrade billed at zero)
  counts 0 in lifetime value and tells nothing about the charge's billing
  interval: only sales with a non-zero gross amount give ``sale_interval``.  It
  has no effect on the trial or the MRR either (those come from the events).
- Refunds and credits (``AppSaleAdjustment``, ``AppSaleCredit``, and any sale
  restated negative) are negative amounts: they lower lifetime value.  A
  transaction restated under the same id counts once, in its latest version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from crm_shared.customer.parsing import DECIMAL_MEMO, decimal, parse_time
from crm_shared.customer.vocabulary import APP_SALE_TYPES, SUBSCRIPTION_SALE, USAGE_SALE, ZERO
from crm_shared.errors import MalformedDataError


@dataclass(slots=True)
class Ledger:
    """What the transactions of one shop say."""

    # currency -> [gross, net]
    totals: dict[str, list[Decimal]] = field(default_factory=dict)
    # subscription charge id -> billingInterval of its latest sale
    sale_interval: dict[str, str] = field(default_factory=dict)
    # (createdAt, chargeId, gross, currency) of every usage sale
    usage_sales: list[tuple[datetime, str | None, Decimal, str]] = field(default_factory=list)
    latest_at: datetime | None = None
    # (createdAt, shop node) of the newest transaction that names its shop
    latest_shop: tuple[datetime, dict[str, Any]] | None = None

    def by_currency(self) -> list[dict[str, Any]]:
        """``[{currency, gross, net}]`` sorted by currency."""
        return [{"currency": c, "gross": t[0], "net": t[1]} for c, t in sorted(self.totals.items())]


def time_key(value: str) -> str:
    """A string that sorts like the time: ``YYYY-MM-DDTHH:MM:SS.ffffff`` in UTC.

    The Partner API's own form (``2026-01-05T10:00:00Z``) is rewritten without
    parsing; anything else goes through `parse_time`."""
    if len(value) == 20 and value[-1] == "Z":
        return value[:19] + ".000000"
    return _key(parse_time(value))


def _key(value: datetime) -> str:
    return value.replace(tzinfo=None).isoformat(timespec="microseconds")


_NOW_KEYS: dict[datetime, str] = {}


def _now_key(now: datetime) -> str:
    """`_key` of the clock, through a small memo (every shop of a batch shares ``now``, and
    `datetime.replace` and ``isoformat(timespec=...)`` cost more than summing a shop's sales)."""
    key = _NOW_KEYS.get(now)
    if key is None:
        if len(_NOW_KEYS) >= 64:
            _NOW_KEYS.clear()
        key = _NOW_KEYS[now] = _key(now)
    return key


def latest_versions(transactions: Iterable[dict[str, Any]], now: datetime) -> dict[str, tuple[str, dict[str, Any]]]:
    """One ``(time key, node)`` per transaction id: the latest restatement known at ``now``."""
    try:
        return _latest_versions(transactions, now)
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedDataError(f"unreadable Partner API transaction: {exc!r}") from exc


def _latest_versions(transactions: Iterable[dict[str, Any]], now: datetime) -> dict[str, tuple[str, dict[str, Any]]]:
    now_key = _now_key(now)
    latest: dict[str, tuple[str, dict[str, Any]]] = {}
    for doc in transactions:
        node = doc["node"]
        at = node["createdAt"]
        created = at[:19] + ".000000" if len(at) == 20 and at[-1] == "Z" else time_key(at)
        if created > now_key:
            continue
        tid = node["id"]
        seen = latest.get(tid)
        if seen is None or created >= seen[0]:
            latest[tid] = (created, node)
    return latest


def build_ledger(transactions: Iterable[dict[str, Any]], now: datetime, test_charge_ids: set[str]) -> Ledger:
    """Summarize a shop's transactions as of ``now`` (see the module docstring)."""
    ledger = Ledger()
    versions = latest_versions(transactions, now)
    try:
        _sum_sales(ledger, versions, test_charge_ids)
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise MalformedDataError(f"unreadable Partner API transaction amount: {exc!r}") from exc
    return ledger


def _sum_sales(ledger: Ledger, versions: dict[str, tuple[str, dict[str, Any]]], test_charge_ids: set[str]) -> None:
    totals = ledger.totals
    latest_key = ""
    latest_node: dict[str, Any] | None = None
    intervals: dict[str, tuple[str, str]] = {}
    memo = DECIMAL_MEMO.get
    for created, node in versions.values():
        if created > latest_key:
            latest_key, latest_node = created, node
        kind = node.get("__typename")
        if kind not in APP_SALE_TYPES:
            continue
        charge_id = node.get("chargeId")
        if charge_id in test_charge_ids:
            continue
        gross = node.get("grossAmount")
        net = node.get("netAmount")
        if gross:
            currency = gross["currencyCode"]
            amount = gross["amount"]
            gross_amount = memo(amount) or decimal(amount)
        elif net:
            currency, gross_amount = net["currencyCode"], ZERO
        else:
            continue
        if net:
            amount = net["amount"]
            net_amount = memo(amount) or decimal(amount)
        else:
            net_amount = ZERO
        total = totals.get(currency)
        if total is None:
            totals[currency] = [gross_amount, net_amount]
        else:
            total[0] += gross_amount
            total[1] += net_amount
        if kind == SUBSCRIPTION_SALE:
            interval = node.get("billingInterval")
            if charge_id and interval and gross_amount:  # a $0.00 sale says nothing about the interval
                known = intervals.get(charge_id)
                if known is None or created >= known[0]:
                    intervals[charge_id] = (created, interval)
        elif kind == USAGE_SALE:
            ledger.usage_sales.append((parse_time(node["createdAt"]), charge_id, gross_amount, currency))
    ledger.sale_interval = {cid: interval for cid, (_, interval) in intervals.items()}
    if latest_node is None:
        return
    ledger.latest_at = _from_key(latest_key)
    if latest_node.get("shop"):
        ledger.latest_shop = (ledger.latest_at, latest_node["shop"])
    else:  # the newest transaction has no shop: the newest one that has
        named = [(k, n["shop"]) for k, n in versions.values() if n.get("shop")]
        if named:
            key, shop = max(named, key=_first)
            ledger.latest_shop = (_from_key(key), shop)


def _first(pair: tuple[str, Any]) -> str:
    return pair[0]


def _from_key(key: str) -> datetime:
    try:  # an explicit offset parses to the same aware datetime as .replace(tzinfo=UTC), 6x faster
        return datetime.fromisoformat(key + "+00:00")
    except ValueError:  # a key made from a malformed time: the error names the key itself
        return datetime.fromisoformat(key).replace(tzinfo=UTC)
