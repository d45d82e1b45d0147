"""Opaque cursors: base64 of JSON {v: sort value, i: _id, h: query hash}.

The hash binds a cursor to the app, filter, search and sort that produced it,
so a cursor reused with another query is rejected instead of giving a silently
wrong page.  Values keep their BSON type (dates, Decimal128) via extended JSON.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from json.encoder import encode_basestring_ascii
from typing import Any

from bson import Decimal128, json_util

from crm_gateway.money import decimal128_to_decimal
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


def _canonical_json(value: Any) -> str | None:
    """`value` as canonical extended JSON text, for the types sort values and ids have; else None.

    Exactly the text `json_util.dumps` writes (`json.dumps` defaults: ASCII,
    ", " and ": " separators); a cursor is made for every row of a page, so the
    general converter's cost shows.  Other types go to json_util itself."""
    kind = type(value)
    if kind is str:
        return encode_basestring_ascii(value)
    if value is None:
        return "null"
    if kind is datetime:
        offset = value.utcoffset()
        utc = value - offset if offset is not None else value
        millis = calendar.timegm(utc.timetuple()) * 1000 + utc.microsecond // 1000
        return f'{{"$date": {{"$numberLong": "{millis}"}}}}'
    if kind is Decimal128:
        amount = decimal128_to_decimal(value)
        if amount.is_finite():
            return f'{{"$numberDecimal": "{amount}"}}'
    return None


def encode_cursor(value: Any, id_: Any, qhash: str) -> str:
    """The opaque cursor of a row."""
    v, i = _canonical_json(value), _canonical_json(id_)
    if v is None or i is None:
        raw = json_util.dumps({"v": value, "i": id_, "h": qhash}, json_options=JSON_OPTIONS)
    else:
        raw = f'{{"v": {v}, "i": {i}, "h": {encode_basestring_ascii(qhash)}}}'
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
