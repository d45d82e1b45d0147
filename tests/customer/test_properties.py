"""Property tests over generated histories (hypothesis)."""

from __future__ import annotations

import os
import random
from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_shared.clock import parse_iso, to_iso
from crm_shared.customer import from_mongo, to_mongo
from tests.customer.history import History, day, midnight, sub_id

AMOUNTS = ["0.99", "9.00", "29.00", "49.00", "290.00", "1200.00"]
CURRENCIES = ["USD", "USD", "USD", "EUR"]

action = st.tuples(
    st.integers(min_value=0, max_value=400),  # day
    st.sampled_from([0, 0, 0, 30, 59, 61, 3600]),  # seconds: same-second ties and the 60 s window
    st.sampled_from(["activate", "install", "activate", "change", "change", "cancel", "uninstall", "close",
                     "reopen", "freeze", "unfreeze", "decline", "expire", "accept", "one_time", "usage", "credit"]),
    st.integers(min_value=1, max_value=4),  # charge number
)
charge = st.tuples(
    st.sampled_from(AMOUNTS), st.sampled_from(CURRENCIES),
    st.sampled_from([3, 14, 29, 30, 31, 200, 365]),  # billingOn gap in days
    st.sampled_from([False] * 9 + [True]),  # test charge
)
sale = st.tuples(
    st.integers(min_value=1, max_value=6),  # transaction id (repeats are restatements)
    st.integers(min_value=0, max_value=400),
    st.sampled_from(["AppSubscriptionSale", "AppUsageSale", "AppOneTimeSale", "AppSaleAdjustment", "AppSaleCredit"]),
    st.sampled_from(["-10.00", "5.00", "29.00", "300.00"]),
    st.sampled_from(["USD", "EUR"]),
    st.sampled_from([None, "EVERY_30_DAYS", "ANNUAL"]),
)


def build(actions: list, charges: list, sales: list) -> History:
    h = History()
    for n, (amount, currency, _gap, test) in enumerate(charges, start=1):
        h.charge(n, f"Plan {n}", amount, currency, billing_on=None, test=test)
    for d, s, kind, n in actions:
        t = day(d, s)
        n = min(n, len(charges))
        if kind == "change" and n > 1:  # a same-second plan change from charge n - 1 to charge n
            for m, k in ((n, "activate"), (n - 1, "cancel")):
                amount, currency, gap, test = charges[m - 1]
                h.charge(m, f"Plan {m}", amount, currency, billing_on=midnight(d + gap), test=test)
                getattr(h, k)(m, t)
        elif kind in {"change", "activate", "cancel", "freeze", "unfreeze", "decline", "expire", "accept"}:
            amount, currency, gap, test = charges[n - 1]
            h.charge(n, f"Plan {n}", amount, currency, billing_on=midnight(d + gap), test=test)
            getattr(h, "activate" if kind == "change" else kind)(n, t)
        elif kind == "install":
            h.install(t)
        elif kind == "uninstall":
            h.uninstall(t, reason="reason")
        elif kind == "close":
            h.close_store(t)
        elif kind == "reopen":
            h.reopen_store(t)
        elif kind == "one_time":
            h.one_time(n, t)
        elif kind == "usage":
            h.usage(d * 10 + n, t)
        else:
            h.credit(n, t)
    seen = set()
    for tid, d, kind, gross, currency, interval in sales:
        if (tid, d) in seen:
            continue
        seen.add((tid, d))
        h.sale(tid, day(d), gross, currency=currency, kind=kind, charge=sub_id(1 + tid % 4), interval=interval)
    return h


histories = st.tuples(
    st.lists(action, min_size=1, max_size=30),
    st.lists(charge, min_size=1, max_size=4),
    st.lists(sale, max_size=8),
    st.integers(min_value=0, max_value=450).map(lambda d: 450 - d),  # mostly late: most events happened
)
EXAMPLES = int(os.environ.get("CRM_HYPOTHESIS_EXAMPLES", "200"))  # raise it for a long hunt
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(histories)
def test_mrr_never_negative(history: tuple) -> None:
    actions, charges, sales, now_day = history
    doc = build(actions, charges, sales).derive(day(now_day, 5))
    assert doc["mrr"] >= 0
    assert all(p["mrr"] >= 0 for p in doc["mrr_history"])
    assert all(e["mrr_before"] >= 0 and e["mrr_after"] >= 0 for e in doc["timeline"])
    assert from_mongo(to_mongo(doc)) == doc  # every amount fits Decimal128 exactly


@SETTINGS
@given(histories, st.randoms(use_true_random=False))
def test_result_independent_of_input_order(history: tuple, rnd: random.Random) -> None:
    actions, charges, sales, now_day = history
    h = build(actions, charges, sales)
    expected = h.derive(day(now_day, 5))
    rnd.shuffle(h.events)
    rnd.shuffle(h.transactions)
    assert h.derive(day(now_day, 5)) == expected


@SETTINGS
@given(histories)
def test_mrr_history_last_point_equals_mrr(history: tuple) -> None:
    actions, charges, sales, now_day = history
    doc = build(actions, charges, sales).derive(day(now_day, 5))
    if doc["mrr_history"]:
        last = doc["mrr_history"][-1]
        assert last["mrr"] == doc["mrr"]
        if doc["mrr"] > 0:
            assert last["currency"] == doc["currency"]
    else:
        assert doc["mrr"] == Decimal(0) and doc["timeline"] == []


@SETTINGS
@given(histories)
def test_timeline_is_ordered_and_continuous(history: tuple) -> None:
    actions, charges, sales, now_day = history
    doc = build(actions, charges, sales).derive(day(now_day, 5))
    timeline = doc["timeline"]
    assert [e["occurred_at"] for e in timeline] == sorted(e["occurred_at"] for e in timeline)
    for previous, entry in zip(timeline, timeline[1:], strict=False):
        assert entry["mrr_before"] == previous["mrr_after"]


@SETTINGS
@given(histories)
def test_status_agrees_with_mrr_and_live_charge(history: tuple) -> None:
    actions, charges, sales, now_day = history
    doc = build(actions, charges, sales).derive(day(now_day, 5))
    assert (doc["status"] == "ACTIVE") == (doc["mrr"] > 0) == doc["paid"]
    if doc["status"] in {"UNINSTALLED", "FREE", "CANCELLED", "TRIAL", "FROZEN"}:
        assert doc["mrr"] == 0
    if doc["status"] == "FREE":
        assert doc["plan"] == "Free" and doc["customer_since"] is None
    if doc["status"] == "TRIAL":
        assert doc["trial_ends_at"] is not None and doc["trial_ends_at"] > day(now_day, 5)
    if doc["next_change_at"] is not None:
        assert doc["next_change_at"] > day(now_day, 5)


def _timeless(doc: dict) -> dict:
    return {**doc, "computed_at": None, "next_change_at": None}


@settings(max_examples=max(1, EXAMPLES * 3 // 4), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories, st.integers(min_value=1, max_value=400 * 86400))
def test_nothing_changes_before_next_change_at(history: tuple, probe_seconds: int) -> None:
    """The clock alone changes nothing before ``next_change_at`` (probed at one moment and just before it)."""
    actions, charges, sales, now_day = history
    h = build(actions, charges, sales)
    now = day(now_day, 5)
    doc = h.derive(now)
    now_iso = to_iso(now)
    future_inputs = [e["node"]["occurredAt"] for e in h.events if e["node"]["occurredAt"] > now_iso]
    future_inputs += [t["node"]["createdAt"] for t in h.transactions if t["node"]["createdAt"] > now_iso]
    nxt = doc["next_change_at"]
    horizon = nxt if nxt is not None else now + timedelta(days=500)
    if future_inputs:  # new raw data may change anything: probe only before it arrives
        horizon = min(horizon, parse_iso(min(future_inputs)))
    for probe in (now + timedelta(seconds=probe_seconds), horizon - timedelta(seconds=1)):
        if now <= probe < horizon:
            assert _timeless(h.derive(probe)) == _timeless(doc)
