"""The generator's ground truth is sane, covers every realism feature, and agrees with
an independent implementation of docs/customer-rules.md (the shared customer derivation)."""

from __future__ import annotations

import collections
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest

from crm_shared.customer import derive_customer
from partner_sim.generator import GeneratedOrg, generate

NOW = datetime(2026, 7, 15, tzinfo=timezone.utc)
NOW_ISO = "2026-07-15T00:00:00Z"


@pytest.fixture(scope="module")
def org() -> GeneratedOrg:
    return generate(seed=11, apps=2, shops=600, years=7, now=NOW)


def _by_customer(org: GeneratedOrg, key: str) -> dict[tuple[str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str], list[dict[str, Any]]] = collections.defaultdict(list)
    for node in org.scenario[key]:
        out[(node["app"]["id"], node["shop"]["id"])].append(node)
    return out


def test_every_status_occurs(org: GeneratedOrg) -> None:
    statuses = collections.Counter(row["status"] for row in org.ground_truth)
    assert set(statuses) == {"ACTIVE", "TRIAL", "FROZEN", "CANCELLED", "UNINSTALLED", "FREE"}


def test_mrr_is_zero_unless_active_and_annual_plans_are_divided_by_twelve(org: GeneratedOrg) -> None:
    amounts = {"Basic": "9.99", "Pro": "29.00", "Plus": "79.00", "Basic Annual": "8.25", "Pro Annual": "24.00",
               "Plus Annual": "65.90"}
    for row in org.ground_truth:
        if row["status"] == "ACTIVE":
            assert row["mrr"] == amounts[row["plan"]]
            assert row["billing_interval"] == ("ANNUAL" if row["plan"].endswith("Annual") else "EVERY_30_DAYS")
        else:
            assert row["mrr"] == "0.00"


def test_trials_end_after_now_and_test_shops_are_free_of_money(org: GeneratedOrg) -> None:
    sales = _by_customer(org, "transactions")
    for row in org.ground_truth:
        if row["status"] == "TRIAL":
            assert row["trial_ends_at"] > NOW_ISO
        if row["is_test"]:
            assert row["status"] in ("FREE", "UNINSTALLED") and row["plan"] == "Free"
            assert not sales[(row["app_id"], row["shop_id"])]


def test_lifetime_value_is_the_latest_version_of_each_sale(org: GeneratedOrg) -> None:
    sales = _by_customer(org, "transactions")
    for row in org.ground_truth:
        latest = {node["id"]: node for node in sales[(row["app_id"], row["shop_id"])]}
        gross = sum((Decimal(n["grossAmount"]["amount"]) for n in latest.values()
                     if n["grossAmount"]["currencyCode"] == row["currency"]), Decimal("0"))
        assert Decimal(row["lifetime_value"]) == gross


def test_realism_features_are_all_present(org: GeneratedOrg) -> None:
    events, txns = org.scenario["events"], org.scenario["transactions"]
    types = collections.Counter(e["type"] for e in events)
    for t in ("RELATIONSHIP_INSTALLED", "RELATIONSHIP_UNINSTALLED", "RELATIONSHIP_DEACTIVATED",
              "RELATIONSHIP_REACTIVATED", "SUBSCRIPTION_CHARGE_ACTIVATED", "SUBSCRIPTION_CHARGE_CANCELED",
              "SUBSCRIPTION_CHARGE_FROZEN", "SUBSCRIPTION_CHARGE_UNFROZEN", "SUBSCRIPTION_CHARGE_DECLINED",
              "SUBSCRIPTION_CHARGE_EXPIRED", "ONE_TIME_CHARGE_ACTIVATED", "USAGE_CHARGE_APPLIED", "CREDIT_APPLIED"):
        assert types[t] > 0, t
    kinds = collections.Counter(t["__typename"] for t in txns)
    assert set(kinds) == {"AppSubscriptionSale", "AppUsageSale", "AppOneTimeSale", "AppSaleAdjustment",
                          "AppSaleCredit"}
    assert any(t["billingInterval"] == "ANNUAL" for t in txns if t["__typename"] == "AppSubscriptionSale")
    assert any(Decimal(t["grossAmount"]["amount"]) < 0 for t in txns if t["__typename"] == "AppSaleAdjustment")
    assert any(t["chargeId"] is None for t in txns) and all(
        t["createdAt"] < "2020-09-01" for t in txns if t["chargeId"] is None)
    ids = collections.Counter(t["id"] for t in txns)
    assert any(n > 1 for n in ids.values()), "some transactions are restated under the same id"
    assert {t["grossAmount"]["currencyCode"] for t in txns} >= {"USD", "EUR"}
    assert any(e["shop"]["name"] == "REDACTED" for e in events)
    assert any(e["charge"]["test"] for e in events if "charge" in e)
    reasons = {e.get("reason") for e in events if e["type"] == "RELATIONSHIP_UNINSTALLED"}
    assert len(reasons - {None}) > 3


def test_plan_changes_are_same_second_cancel_and_activate(org: GeneratedOrg) -> None:
    pairs = collections.Counter()
    for (app, _shop), nodes in _by_customer(org, "events").items():
        cancels = {(n["occurredAt"]) for n in nodes if n["type"] == "SUBSCRIPTION_CHARGE_CANCELED"}
        pairs[app] += sum(1 for n in nodes if n["type"] == "SUBSCRIPTION_CHARGE_ACTIVATED"
              and n["occurredAt"] in cancels)
    assert sum(pairs.values()) > 10


def test_store_closure_freezes_within_seconds(org: GeneratedOrg) -> None:
    frozen_after_close = 0
    for nodes in _by_customer(org, "events").values():
        closes = [n["occurredAt"] for n in nodes if n["type"] == "RELATIONSHIP_DEACTIVATED"]
        for close in closes:
            t = datetime.fromisoformat(close.replace("Z", "+00:00"))
            frozen_after_close += any(
                n["type"] == "SUBSCRIPTION_CHARGE_FROZEN"
                and 0 < (datetime.fromisoformat(n["occurredAt"].replace("Z", "+00:00")) - t).total_seconds() <= 30
                for n in nodes)
    assert frozen_after_close > 0


def test_payout_batches_are_at_most_three_weeks_late(org: GeneratedOrg) -> None:
    for t in org.scenario["transactions"]:
        assert t["createdAt"] <= NOW_ISO
    for e in org.scenario["events"]:
        assert e["occurredAt"] <= NOW_ISO


TIMES = ("installed_at", "uninstalled_at", "trial_ends_at", "customer_since")


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def test_ground_truth_agrees_with_the_shared_customer_derivation(org: GeneratedOrg) -> None:
    """Two independent answers to the customer rules: the generator's life model and crm_shared's fold."""
    events = _by_customer(org, "events")
    sales = _by_customer(org, "transactions")
    mismatches = []
    for row in org.ground_truth:
        key = (row["app_id"], row["shop_id"])
        doc = derive_customer(key[0], key[1], [{"node": n} for n in events[key]],
                              [{"node": n} for n in sales[key]], None, NOW)
        got = (doc["status"], doc["plan"], Decimal(str(doc["mrr"])), doc["currency"],
               Decimal(str(doc["lifetime_value"])), Decimal(str(doc["lifetime_net"])), doc["is_test"],
               doc["billing_interval"], *(_iso(doc[k]) for k in TIMES), doc["days_as_customer"],
               sum(1 for e in doc["timeline"] if e["type"] == "CANCELLED"))
        want = (row["status"], row["plan"], Decimal(row["mrr"]), row["currency"], Decimal(row["lifetime_value"]),
                Decimal(row["lifetime_net"]), row["is_test"], row["billing_interval"], *(row[k] for k in TIMES),
                row["days_as_customer"], row["cancelled_entries"])
        if got != want:
            mismatches.append((key, want, got))
    assert mismatches == []


def _seconds(a: str, b: str) -> float:
    return (datetime.fromisoformat(b.replace("Z", "+00:00")) - datetime.fromisoformat(a.replace("Z", "+00:00"))
            ).total_seconds()


def test_uninstalls_come_with_their_cancel_in_the_same_second_within_a_minute_or_minutes_before(
    org: GeneratedOrg,
) -> None:
    """Every way a real uninstall meets a cancel: same second, up to 60 s before or after (the uninstall's own
    cancel), a few minutes before (a cancel of its own), none."""
    kinds: collections.Counter[str] = collections.Counter()
    for nodes in _by_customer(org, "events").values():
        cancels = [n["occurredAt"] for n in nodes if n["type"] == "SUBSCRIPTION_CHARGE_CANCELED"]
        for u in (n["occurredAt"] for n in nodes if n["type"] == "RELATIONSHIP_UNINSTALLED"):
            gaps = [_seconds(u, c) for c in cancels if abs(_seconds(u, c)) <= 3600]
            if any(g == 0 for g in gaps):
                kinds["same second"] += 1
            elif any(-60 <= g < 0 for g in gaps):
                kinds["within a minute before"] += 1
            elif any(0 < g <= 60 for g in gaps):
                kinds["within a minute after"] += 1
            elif any(g < -60 for g in gaps):
                kinds["minutes before"] += 1
            else:
                kinds["none"] += 1
    assert min(kinds[k] for k in ("same second", "within a minute before", "within a minute after",
                                  "minutes before", "none")) >= 3, kinds


def test_zero_dollar_subscription_sales_and_restated_refunds_occur(org: GeneratedOrg) -> None:
    txns = org.scenario["transactions"]
    zero = [t for t in txns if t["__typename"] == "AppSubscriptionSale" and Decimal(t["grossAmount"]["amount"]) == 0]
    assert len(zero) >= 5
    negative_ids = collections.Counter(t["id"] for t in txns if Decimal(t["grossAmount"]["amount"]) < 0)
    assert {t["__typename"] for t in txns if Decimal(t["grossAmount"]["amount"]) < 0} == {
        "AppSaleAdjustment", "AppSaleCredit"}
    assert sum(1 for n in negative_ids.values() if n > 1) >= 3, "some refunds and credits are restated"
