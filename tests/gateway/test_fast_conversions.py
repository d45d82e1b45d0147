"""The direct Decimal128 and cursor conversions give exactly what bson's general ones give."""

from __future__ import annotations

import base64
import random
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP
from typing import Any

from bson import Decimal128, Int64, ObjectId, json_util

from crm_gateway.money import CENT, decimal128_to_decimal, round_money
from crm_gateway.pagination.cursor import JSON_OPTIONS, decode_cursor, encode_cursor

EDGES = ["0", "-0", "0.00", "-0.00", "-0E+5", "29.00", "-29.00", "29.005", "29.995", "-29.995", "1E+5", "1E-5",
         "9" * 34, "9" * 26, "9" * 27, "9" * 25 + "E+1", "9" * 26 + "E+1", "1E+100", "1E+101", "1E-100", "1E-101",
         "NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "1E+6000", "1E-6000", "0E+6000", "0E-6000"]


def decimals(n: int) -> list[Decimal128]:
    rng = random.Random(n)
    values = [Decimal128(v) for v in EDGES]
    for _ in range(n):
        digits = rng.randint(1, 34)
        exponent = rng.choice([rng.randint(-8, 30), rng.randint(-150, 150)])
        values.append(Decimal128(f"{'-' if rng.random() < .5 else ''}{rng.randint(0, 10**digits - 1)}E{exponent}"))
    return values


def outcome(fn: Any, value: Any) -> Any:
    try:
        result = fn(value)
    except Exception as exc:  # noqa: BLE001 - the same error is part of the same behaviour
        return type(exc)
    return "NaN" if result.is_nan() else result.as_tuple()


def test_decimal128_to_decimal_is_bsons() -> None:
    for value in decimals(5000):
        assert outcome(decimal128_to_decimal, value) == outcome(Decimal128.to_decimal, value), value


def test_round_money_is_quantize() -> None:
    def reference(v: Decimal128) -> Any:
        return v.to_decimal().quantize(CENT, rounding=ROUND_HALF_UP)

    for value in decimals(5000):
        assert outcome(round_money, value) == outcome(reference, value), value


def bson_cursor(value: Any, id_: Any, qhash: str) -> str:
    raw = json_util.dumps({"v": value, "i": id_, "h": qhash}, json_options=JSON_OPTIONS)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def sort_values() -> list[Any]:
    rng = random.Random(11)
    values: list[Any] = [None, "", "abc", "héllo \"q\" \\ \u2028 \x00 \U0001f600", 5, -3, 2**40, 1.5, True, Int64(4),
                         ObjectId("0123456789abcdef01234567"), datetime(1969, 12, 31, 23, 59, 59, 999999),
                         datetime(1960, 1, 1, tzinfo=timezone.utc), datetime(1, 1, 1),
                         datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=-5))),
                         datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc)]
    values += [Decimal128(v) for v in EDGES]
    for _ in range(300):
        values.append(datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=rng.randint(-10**16, 10**16)))
        values.append(Decimal128(f"{rng.randint(-10**12, 10**12)}E{rng.randint(-20, 5)}"))
        values.append("".join(chr(rng.randint(0, 0x2FFF)) for _ in range(6)))
    return values


def test_cursor_text_is_bsons() -> None:
    for value in sort_values():
        for id_ in ("gid://partners/App/1|gid://partners/Shop/2", value):
            assert encode_cursor(value, id_, "0123456789abcdef") == bson_cursor(value, id_, "0123456789abcdef"), value


def test_cursor_round_trip() -> None:
    at = datetime(2026, 3, 4, 5, 6, 7, 891000, tzinfo=timezone.utc)
    position = decode_cursor(encode_cursor(at, "app|shop", "h"), "h")
    assert (position.value, position.id) == (at, "app|shop")
