"""Putting a shop's events in their one deterministic order.

Events are folded by ``occurredAt``; events in the same second follow the
lifecycle order of docs/customer-rules.md, Order (`vocabulary.LIFECYCLE_RANK`), then the charge id,
then the event type.  Duplicates (same app, type, time, shop and charge — the
natural key of a legacy event) are folded once.  Events after ``now`` have not
happened yet as of that clock and are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from crm_shared.customer.parsing import parse_time
from crm_shared.customer.vocabulary import (
    CREDIT_APPLIED,
    CREDIT_FAILED,
    CREDIT_PENDING,
    LIFECYCLE_RANK,
    UNKNOWN_EVENT_RANK,
)
from crm_shared.errors import MalformedDataError

# (occurredAt, lifecycle rank, charge id or "", type, input position, node)
OrderedEvent = tuple[datetime, int, str, str, int, dict[str, Any]]

_CREDIT_TYPES = frozenset({CREDIT_APPLIED, CREDIT_FAILED, CREDIT_PENDING})


@dataclass(slots=True)
class EventStream:
    """A shop's events in fold order, with the facts a first pass can collect."""

    events: list[OrderedEvent]
    test_charge_ids: set[str] = field(default_factory=set)
    has_live_money_charge: bool = False  # any non-test subscription, one-time or usage charge
    latest_at: datetime | None = None
    latest_shop: tuple[datetime, dict[str, Any]] | None = None


def order_events(events: Iterable[dict[str, Any]], now: datetime) -> EventStream:
    """Parse each ``partner_events`` document's node once and sort them (see module docstring).

    The events are sorted as ``(time, rank, charge id, type, input position)`` tuples and a
    run of equal ``(time, rank, charge id, type)`` keeps its last event: no dict of keys,
    whose aware-datetime hashes would cost as much as parsing.  A charge id or type that is
    not a string (malformed) could make that sort and a dict of keys disagree, so such a
    shop goes through `_order_by_key`, the dict-of-keys form."""
    items: list[OrderedEvent] = []
    test_ids: set[str] = set()
    non_test = False
    odd = False
    rank_of = LIFECYCLE_RANK.get
    fromiso = datetime.fromisoformat
    position = 0
    try:
        for doc in events:
            node = doc["node"]
            at = node["occurredAt"]
            occurred = fromiso(at) if at[-1] == "Z" else parse_time(at)
            if occurred > now:
                continue
            type_ = node["type"]
            charge = node.get("charge")
            if charge is not None:
                cid = charge["id"]
                if charge.get("test"):
                    test_ids.add(cid)
                else:
                    non_test = True
            elif type_ in _CREDIT_TYPES:
                credit = node.get("appCredit")
                cid = credit["id"] if credit else ""
            else:
                cid = ""
            rank = rank_of(type_, UNKNOWN_EVENT_RANK)
            if cid.__class__ is not str or type_.__class__ is not str:
                odd = True
                hash(cid)  # an unhashable id fails here, as it would as part of a dict key
            items.append((occurred, rank, cid, type_, position, node))
            position += 1
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedDataError(f"unreadable Partner API event: {exc!r}") from exc
    if odd:
        ordered = _order_by_key(items)
    else:
        items.sort()
        ordered = _last_of_equal_keys(items)
    stream = EventStream(ordered, test_ids, non_test)
    if ordered:
        stream.latest_at = ordered[-1][0]
        for ev in reversed(ordered):
            shop = ev[5].get("shop")
            if shop:
                stream.latest_shop = (ev[0], shop)
                break
    return stream


def _last_of_equal_keys(items: list[OrderedEvent]) -> list[OrderedEvent]:
    """Sorted events without duplicates: of equal (time, rank, charge id, type), the last input."""
    if len(items) < 2:
        return items
    kept = [items[0]]
    last = items[0]
    for item in islice(items, 1, None):
        if item[0] == last[0] and item[1] == last[1] and item[2] == last[2] and item[3] == last[3]:
            kept[-1] = item  # sorted by input position within the run: the later one wins
        else:
            kept.append(item)
        last = item
    return kept


def _order_by_key(items: list[OrderedEvent]) -> list[OrderedEvent]:
    """The events in input order, sorted through a dict of ``(time, rank, charge id, type)``
    keys (the last event of a key wins): the order for malformed charge ids or types."""
    keyed: dict[tuple[Any, ...], OrderedEvent] = {}
    for item in items:
        keyed[item[:4]] = item
    return [keyed[key] for key in sorted(keyed)]
