"""Global ids: Partner API gids and the document keys built from them."""

from __future__ import annotations

import hashlib


def customer_key(app_id: str, shop_id: str) -> str:
    """`_id` of a customer / shop profile document: one per (app, shop)."""
    return f"{app_id}|{shop_id}"


def event_key(app_id: str, type_: str, occurred_at: str, shop_id: str | None, charge_id: str | None) -> str:
    """Natural key of a Partner API event (legacy events have no id).

    `occurred_at` is the ISO string as the API sent it (second precision)."""
    raw = "|".join([app_id, type_, occurred_at, shop_id or "", charge_id or ""])
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def gid_number(gid: str) -> str:
    """The trailing number of a gid (``gid://partners/Shop/12`` → ``12``)."""
    return gid.rsplit("/", 1)[-1]
