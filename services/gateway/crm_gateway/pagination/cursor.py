"""Opaque cursors: base64 of JSON {v: sort value, i: _id, h: query hash}.

The hash binds a cursor to the app, filter, search and sort that produced it,
so a cursor reused with another query is rejected instead of giving a silently
wrong page.  Values keep their BSON type (dates, Decimal128) via extended JSON.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from bson import json_util

from crm_shared.errors import UserInputError

JSON_OPTIONS = json_util.CANONICAL_JSON_OPTIONS.with_options(tz_aware=True, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Position:
    """Where a page starts: the sort value and `_id` of the row before it."""

    value: Any
    id: Any


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def query_hash(*parts: Any) -> str:
    """A short stable hash of the query a cursor belongs to (decimals and dates by their text)."""
    raw = json.dumps(parts, sort_keys=True, default=_plain)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def encode_cursor(value: Any, id_: Any, qhash: str) -> str:
    """The opaque cursor of a row."""
    raw = json_util.dumps({"v": value, "i": id_, "h": qhash}, json_options=JSON_OPTIONS)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, qhash: str) -> Position:
    """The position in `cursor`; bad input when malformed or made for another query."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json_util.loads(base64.urlsafe_b64decode(padded.encode()).decode(), json_options=JSON_OPTIONS)
    except (binascii.Error, ValueError, UnicodeDecodeError, json.JSONDecodeError, TypeError) as exc:
        raise UserInputError("malformed cursor") from exc
    if not isinstance(data, dict) or set(data) != {"v", "i", "h"}:
        raise UserInputError("malformed cursor")
    if data["h"] != qhash:
        raise UserInputError("cursor belongs to another query (different filter, search or sort)")
    return Position(value=data["v"], id=data["i"])
