"""Converting customer documents between Python and MongoDB money types.

Python code uses `decimal.Decimal`; MongoDB stores exact `bson.Decimal128`.
Both functions walk dicts and lists recursively and return new containers
(the input is not modified); every other value is passed through as is.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bson.decimal128 import Decimal128


def to_mongo(doc: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``doc`` with every `Decimal` replaced by `Decimal128`."""
    return _encode_dict(doc)


def from_mongo(doc: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``doc`` with every `Decimal128` replaced by `Decimal`."""
    return _decode_dict(doc)


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return Decimal128(value)
    if isinstance(value, dict):
        return _encode_dict(value)
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    return value


def _encode_dict(doc: dict[str, Any]) -> dict[str, Any]:
    return {key: _encode(value) for key, value in doc.items()}


def _decode(value: Any) -> Any:
    if isinstance(value, Decimal128):
        return value.to_decimal()
    if isinstance(value, dict):
        return _decode_dict(value)
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def _decode_dict(doc: dict[str, Any]) -> dict[str, Any]:
    return {key: _decode(value) for key, value in doc.items()}
