"""Opaque pagination cursors bound to the filter set that produced them.

A cursor is URL-safe base64 of ``"<neg_ts>:<neg_seq>:<filter_hash>"``. Using it
with other filters, or sending garbage, is a GraphQL error.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any


class CursorError(ValueError):
    """A cursor that is malformed or belongs to another query."""


def filter_hash(filters: dict[str, Any]) -> str:
    """A short stable hash of a filter set (order of keys and list items ignored)."""
    norm = {k: (sorted(v) if isinstance(v, list) else v) for k, v in filters.items() if v is not None}
    raw = json.dumps(norm, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


def encode_cursor(key: tuple[int, int], fhash: str) -> str:
    """The opaque cursor of the record with ``key`` under filter hash ``fhash``."""
    raw = f"{key[0]}:{key[1]}:{fhash}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, fhash: str) -> tuple[int, int]:
    """The position key inside ``cursor``; raises ``CursorError`` if invalid or foreign."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        a, b, h = base64.urlsafe_b64decode(padded.encode()).decode().split(":")
        key = (int(a), int(b))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise CursorError(f"Invalid cursor: {cursor!r}") from exc
    if h != fhash:
        raise CursorError("Invalid cursor: it was returned by a query with different arguments")
    return key
