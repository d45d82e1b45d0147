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
    # Duplicates are found through a string key: hashing an aware datetime costs as much as
    # parsing it, and the Partner API's own form (`is_canonical`) is already a unique spelling
    # of its instant; other spellings are rewritten to it (`instant_key`).
    keyed: dict[tuple[str, int, str, str], OrderedEvent] = {}
    test_ids: set[str] = set()
    non_test = False
    rank_of = LIFECYCLE_RANK.get
    fromiso = datetime.fromisoformat
    try:
        for doc in events:
            node = doc["node"]
            at = node["occurredAt"]
            if len(at) == 20 and at[4:17:3] == "--T::" and at[19] == "Z":  # is_canonical(at), inlined
                occurred = fromiso(at)
                key = at
            else:
                occurred = parse_time(at)
                key = instant_key(occurred)
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
            keyed[(key, rank, cid, type_)] = (occurred, rank, cid, type_, node)
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedDataError(f"unreadable Partner API event: {exc!r}") from exc
    # Keys are unique, so sorting compares at most the first four fields, never the nodes.
    ordered = sorted(keyed.values())
    stream = EventStream(ordered, test_ids, non_test)
    if ordered:
        stream.latest_at = ordered[-1][0]
        for ev in reversed(ordered):
            shop = ev[4].get("shop")
            if shop:
                stream.latest_shop = (ev[0], shop)
                break
    return stream


def is_canonical(value: str) -> bool:
    """Whether ``value`` is spelled ``YYYY-MM-DDTHH:MM:SSZ``, the Partner API's own form.

    Such strings sort like their instants and two of them are equal exactly when their
    instants are (`datetime.fromisoformat` has accepted the digits)."""
    return len(value) == 20 and value[4:17:3] == "--T::" and value[19] == "Z"


def instant_key(value: datetime) -> str:
    """The string that identifies an aware UTC instant: the canonical form when it has whole
    seconds (so it equals `is_canonical` spellings of the same instant), with microseconds otherwise."""
    return value.replace(tzinfo=None).isoformat() + "Z"
