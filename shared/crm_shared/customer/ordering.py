"""Putting a shop's events in their one deterministic order.

Events are folded by ``occurredAt``; events in the same second follow the
lifecycle order of DESIGN §3 (`vocabulary.LIFECYCLE_RANK`), then the charge id,
then the event type.  Duplicates (same app, type, time, shop and charge — the
natural key of a legacy event) are folded once.  Events after ``now`` have not
happened yet as of that clock and are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
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

# (occurredAt, lifecycle rank, charge id or "", type, node)
OrderedEvent = tuple[datetime, int, str, str, dict[str, Any]]

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
    """Parse each ``partner_events`` document's node once and sort them (see module docstring)."""
    keyed: dict[tuple[datetime, int, str, str], OrderedEvent] = {}
    test_ids: set[str] = set()
    non_test = False
    rank_of = LIFECYCLE_RANK.get
    fromiso = datetime.fromisoformat
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
            keyed[(occurred, rank, cid, type_)] = (occurred, rank, cid, type_, node)
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedDataError(f"unreadable Partner API event: {exc!r}") from exc
    ordered = [keyed[key] for key in sorted(keyed)]
    stream = EventStream(ordered, test_ids, non_test)
    if ordered:
        stream.latest_at = ordered[-1][0]
        for ev in reversed(ordered):
            shop = ev[4].get("shop")
            if shop:
                stream.latest_shop = (ev[0], shop)
                break
    return stream

