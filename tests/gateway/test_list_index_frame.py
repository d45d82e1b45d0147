"""Pure tests of the list index's building blocks: order-preserving values, order keys, applying changes."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import bson
import polars as pl
from bson import Decimal128
from hypothesis import given
from hypothesis import strategies as st

from crm_gateway.list_index.frame import (
    DATE_FIELDS,
    ID_KEY,
    AppSnapshot,
    OrderKeys,
    datetime_ms,
    decimal_key,
    key_column,
)
from crm_gateway.sorting import SORT_FIELDS
from tests.gateway.factories import make_customer

APP = "gid://partners/App/1"
decimals = st.decimals(allow_nan=True, allow_infinity=True, places=None).filter(
    lambda d: d.is_nan() or len(d.as_tuple().digits) <= 34) | st.sampled_from(
    [Decimal("100") / 12, Decimal("-0"), Decimal("0E-10"), Decimal("1E+6"), Decimal("-1.50"), Decimal("1.5")])


def _cmp(a: Decimal, b: Decimal) -> int:
    """MongoDB's order of decimals: NaN lowest, then numeric."""
    if a.is_nan() or b.is_nan():
        return (not a.is_nan()) - (not b.is_nan())
    return (a > b) - (a < b)


@given(decimals, decimals)
def test_decimal_key_orders_as_mongodb_orders_decimals(a: Decimal, b: Decimal) -> None:
    ka, kb = decimal_key(Decimal128(a)), decimal_key(Decimal128(b))
    assert ka is not None and kb is not None
    assert ((ka > kb) - (ka < kb)) == _cmp(Decimal128(a).to_decimal(), Decimal128(b).to_decimal())


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(timezone.utc)))
def test_datetime_ms_is_what_bson_stores(value: datetime) -> None:
    options = bson.CodecOptions(datetime_conversion=bson.DatetimeConversion.DATETIME_MS)
    stored = bson.decode(bson.encode({"d": value}), options)["d"]
    assert datetime_ms(value) == int(stored)


def _orders(snap: AppSnapshot) -> dict[str, list[str]]:
    """The _id order of every sort field by the snapshot's keys (ascending)."""
    return {name: snap.frame.sort([key_column(name), ID_KEY])["_id"].to_list() for name in SORT_FIELDS.values()}


def test_order_keys_fill_gaps_and_report_exhaustion() -> None:
    ok, keys = OrderKeys.number(pl.Series(["b", None, "d"]))
    assert keys.to_list() == [0, -1, 1 << 20]
    lo, _hi = "b", "d"
    for i in range(40):
        mid = lo + "m" * (i + 1)  # always between "b…" and "d", next to the previous insert
        grown = ok.with_values(pl.Series([mid]))
        if grown is None:
            break
        ok = grown
        assert list(ok.values) == sorted(ok.values) and list(ok.keys) == sorted(set(ok.keys))
        lo = mid
    else:
        raise AssertionError("a gap of 2**20 cannot take 40 halvings")
    assert grown is None


def test_applying_changes_keeps_every_order_equal_to_a_fresh_build() -> None:
    rng = random.Random(5)
    docs = {d["_id"]: d for d in (make_customer(APP, n, rng) for n in range(1, 120))}
    snap = AppSnapshot.build(APP, docs.values())
    base = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for step in range(60):  # many small batches squeezing values into the same gaps, then deletes and inserts
        batch: dict[str, dict | None] = {}
        for d in rng.sample(list(docs.values()), 5):
            d = dict(d)
            d["name_lc"] = "m" + "a" * step + d["name_lc"]
            d["mrr"] = Decimal128(Decimal("29") + Decimal(1) / Decimal(2 ** (step % 30 + 1)))
            d["last_active_at"] = base + timedelta(milliseconds=step)
            batch[d["_id"]] = d
        if step % 7 == 0:
            gone = rng.choice(list(docs))
            batch[gone] = None
            new = make_customer(APP, 1000 + step, rng)
            batch[new["_id"]] = new
        for key, d in batch.items():
            if d is None:
                docs.pop(key, None)
            else:
                docs[key] = d
        snap = snap.apply(batch)
        assert _orders(snap) == _orders(AppSnapshot.build(APP, docs.values())), step
    assert set(snap.frame["_id"]) == set(docs)
    assert {"last_active_at"} <= set(DATE_FIELDS)
