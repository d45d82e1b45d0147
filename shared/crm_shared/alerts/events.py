"""Customer events: their types, stable ids, and the pure diff of an old and a new customer document.

One event per *new* timeline entry (keyed by type, time and charge) and one per segment entered or left.
An event's id is derived from what it describes, never from when it was computed, so a rebuild, a retried
message or a restarted worker that computes it again gets the same id (and the store keeps one):

    timeline entry   evt_ + sha256(app | shop | timeline type | occurred_at | charge id)[:32]
    segment change   evt_ + sha256(app | shop | entered/left | segment | the previous document's computed_at
                     and segment list)[:32]      (the state the change leaves)
    sync failure     evt_ + sha256(app | sync.failed | run id)[:32]

Rules (docs/alerts.md, "Which changes emit an event"): timeline entries at or before the app's alert
baseline (`Baseline.since`: the services' clock when the app's first customers were written, i.e. the end
of its first import) emit nothing; segment changes emit nothing until the app's first recompute after that
baseline (`Baseline.segments_live`), because the import's customers get their final segments there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from bson import Decimal128

from crm_shared.clock import to_iso

#: timeline entry type (docs/customer-rules.md, Timeline) -> event type.  STORE_CLOSED, STORE_REOPENED,
#: ONE_TIME_CHARGE, USAGE_CHARGE and CREDIT have no event type (the issue names none for them).
TIMELINE_EVENT_TYPES: Final[dict[str, str]] = {
    "INSTALLED": "customer.installed",
    "REINSTALLED": "customer.reinstalled",
    "UNINSTALLED": "customer.uninstalled",
    "TRIAL_STARTED": "customer.trial_started",
    "TRIAL_CONVERTED": "customer.trial_converted",
    "SUBSCRIBED": "customer.subscribed",
    "UPGRADED": "customer.upgraded",
    "DOWNGRADED": "customer.downgraded",
    "PLAN_CHANGED": "customer.plan_changed",
    "CANCELLED": "customer.cancelled",
    "REACTIVATED": "customer.reactivated",
    "FROZEN": "customer.frozen",
    "UNFROZEN": "customer.unfrozen",
    "CHARGE_DECLINED": "customer.charge_declined",
    "CHARGE_EXPIRED": "customer.charge_expired",
}
SEGMENT_ENTERED: Final = "segment.entered"
SEGMENT_LEFT: Final = "segment.left"
SYNC_FAILED: Final = "sync.failed"
EVENT_TYPES: Final[tuple[str, ...]] = (*TIMELINE_EVENT_TYPES.values(), SEGMENT_ENTERED, SEGMENT_LEFT, SYNC_FAILED)

#: the fields of a stored customer the diff and the event payload read
OLD_FIELDS: Final = ("timeline", "segments", "computed_at")
SUMMARY_FIELDS: Final = ("app_id", "shop_id", "name", "domain", "status", "plan", "mrr", "currency", "segments")


@dataclass(frozen=True)
class Baseline:
    """What an app's events start from (`crm_shared.store.customer_events.baseline`)."""

    since: datetime
    segments_live: bool


def event_id(*parts: str) -> str:
    """`evt_` + 32 hex characters of the SHA-256 of the parts."""
    return "evt_" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def plain(value: Any) -> Any:
    """A JSON-ready copy: money as strings, times as ISO-8601 UTC, containers recursively."""
    if isinstance(value, Decimal128):
        return str(value.to_decimal())
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return to_iso(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def customer_summary(doc: Mapping[str, Any], segments: list[str] | None = None) -> dict[str, Any]:
    """The customer as events show it (the document's current state)."""
    mrr = doc.get("mrr")
    return {
        "id": doc.get("_id"),
        "shopId": doc.get("shop_id"),
        "name": doc.get("name"),
        "domain": doc.get("domain"),
        "status": doc.get("status"),
        "plan": doc.get("plan"),
        "mrr": {"amount": plain(mrr) if mrr is not None else "0", "currencyCode": doc.get("currency") or "USD"},
        "segments": list(segments if segments is not None else doc.get("segments") or []),
    }


def _entry_key(entry: Mapping[str, Any]) -> tuple[str, str, str]:
    at = entry.get("occurred_at")
    return (str(entry.get("type")), to_iso(at) if isinstance(at, datetime) else str(at), entry.get("charge_id") or "")


def _entry_payload(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": entry.get("type"),
        "occurredAt": plain(entry.get("occurred_at")),
        "plan": entry.get("plan"),
        "mrrBefore": plain(entry.get("mrr_before")),
        "mrrAfter": plain(entry.get("mrr_after")),
        "currency": entry.get("currency"),
        "chargeId": entry.get("charge_id"),
        "detail": plain(entry.get("detail")),
    }


def timeline_events(app_id: str, new: Mapping[str, Any], old: Mapping[str, Any] | None,
                    since: datetime) -> list[dict[str, Any]]:
    """One event per timeline entry of `new` that `old` lacks and that happened after `since`, oldest first."""
    known = {_entry_key(e) for e in (old or {}).get("timeline") or []}
    shop_id = str(new.get("shop_id"))
    out: list[dict[str, Any]] = []
    for entry in new.get("timeline") or []:
        event_type = TIMELINE_EVENT_TYPES.get(str(entry.get("type")))
        at = entry.get("occurred_at")
        if event_type is None or not isinstance(at, datetime) or at <= since:
            continue
        key = _entry_key(entry)
        if key in known:
            continue
        out.append({"_id": event_id(app_id, shop_id, *key), "type": event_type, "occurred_at": at,
                    "entry": _entry_payload(entry)})
    out.sort(key=lambda e: e["occurred_at"])  # stable: entries of one second keep the timeline's order
    return out


def segment_events(app_id: str, shop_id: str, old: Mapping[str, Any] | None, new_segments: list[str],
                   now: datetime) -> list[dict[str, Any]]:
    """One event per segment left, then per segment entered (each sorted by key), at `now`."""
    before = list((old or {}).get("segments") or [])
    computed = (old or {}).get("computed_at")
    state = (to_iso(computed) if isinstance(computed, datetime) else "-") + "|" + ",".join(sorted(before))
    left = sorted(set(before) - set(new_segments))
    entered = sorted(set(new_segments) - set(before))
    out = []
    for event_type, word, keys in ((SEGMENT_LEFT, "left", left), (SEGMENT_ENTERED, "entered", entered)):
        for key in keys:
            out.append({"_id": event_id(app_id, shop_id, word, key, state), "type": event_type,
                        "occurred_at": now, "segment": key})
    return out


def diff_customer(app_id: str, old: Mapping[str, Any] | None, new: Mapping[str, Any], baseline: Baseline,
                  now: datetime) -> list[dict[str, Any]]:
    """The events of one rebuilt customer (`new`, stored form) against its stored document (`old`, or None),
    in delivery order: timeline events oldest first, then segment changes."""
    events = timeline_events(app_id, new, old, baseline.since)
    if baseline.segments_live and now > baseline.since:
        events += segment_events(app_id, str(new.get("shop_id")), old, list(new.get("segments") or []), now)
    return events
