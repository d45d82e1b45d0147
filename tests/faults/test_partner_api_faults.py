"""Partner API faults from the simulator — 429 storms (HTTP and inside 200 bodies), 5xx bursts, slow and dropped
responses — during the first sync, then late events and restated transactions: the final customers match the
generator's ground truth, then the pure derivation of everything the Partner API holds."""

from __future__ import annotations

import collections
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crm_shared.customer import derive_customer
from tests.customer.test_generator_ground_truth import derived_row
from tests.faults.harness import (
    APP,
    NOW,
    FaultStack,
    SyncApp,
    ground_truth_disagreements,
    start_fault_stack,
    wait_for,
    wait_until_converged,
)

FAULTS = {"error_rate": 0.15, "throttle_in_200_rate": 0.5, "drop_rate": 0.05, "slow_ms": 1500, "slow_rate": 0.1,
          "storm_429_requests": 12, "seed": 5}
CLOCK = datetime.fromisoformat(NOW.replace("Z", "+00:00"))


@pytest.fixture
def stack(services: dict[str, str], tmp_path: Path) -> Iterator[FaultStack]:
    running = start_fault_stack(tmp_path, services["mongodb_uri"], seed=23, shops=50,
                                extra_env={"PARTNER_SIM_FAULTS": json.dumps(FAULTS)})
    try:
        yield running
    finally:
        running.stop()


def expected_rows(scenario: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """Pure derivation of every shop from the Partner API's current nodes (restatements already applied)."""
    events: dict[tuple[str, str], list[dict[str, Any]]] = collections.defaultdict(list)
    sales: dict[tuple[str, str], list[dict[str, Any]]] = collections.defaultdict(list)
    for node in scenario["events"]:
        events[(node["app"]["id"], node["shop"]["id"])].append({"node": node})
    for node in scenario["transactions"]:
        if node.get("shop"):
            sales[(node["app"]["id"], node["shop"]["id"])].append({"node": node})
    return {key: derived_row(derive_customer(key[0], key[1], events[key], sales.get(key, []), None, CLOCK))
            for key in events}


def stored_rows(stack: FaultStack) -> dict[tuple[str, str], dict[str, Any]]:
    from bson import Decimal128

    rows = {}
    for d in stack.db.customers.find({}):
        plain = {k: v.to_decimal() if isinstance(v, Decimal128) else v for k, v in d.items()}
        rows[(d["app_id"], d["shop_id"])] = derived_row(plain)
    return rows


def test_faulty_partner_api_then_late_events_and_restatements_end_at_the_truth(stack: FaultStack) -> None:
    wait_until_converged(stack, timeout=300)
    log = stack.sim_admin("requests")
    statuses = collections.Counter(entry.get("status") for entry in log)
    assert statuses.get(429, 0) + sum(1 for e in log if e.get("throttled")) > 0 and statuses.get(500, 0) > 0, statuses
    assert ground_truth_disagreements(stack.db, stack.truth) == []

    # Late data: an uninstall that happened a day ago for a paying shop shows up only now, and the newest
    # transaction is restated under the same id in a later payout batch.
    scenario = json.loads(stack.scenario_path.read_text())
    paying = next(r for r in stack.truth if r["status"] == "ACTIVE")
    shop = next(e["shop"] for e in scenario["events"] if e["shop"]["id"] == paying["shop_id"])
    late = {"__typename": "RelationshipUninstalled", "type": "RELATIONSHIP_UNINSTALLED",
            "occurredAt": (CLOCK - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"), "app": {"id": APP},
            "shop": shop, "reason": "late", "description": "recorded late"}
    newest = max((t for t in scenario["transactions"] if t.get("shop")), key=lambda t: t["createdAt"])
    restated_at = (CLOCK - timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    applied = stack.sim_admin("faults", {"late_events": [late], "restate": [
        {"id": newest["id"], "grossAmount": "1.23", "netAmount": "1.00", "createdAt": restated_at}]})
    assert applied["late_events"] == 1 and applied["restated"] == 1
    scenario["events"].append(late)
    currency = newest["grossAmount"]["currencyCode"]
    newest.update(grossAmount={"amount": "1.23", "currencyCode": currency},
                  netAmount={"amount": "1.00", "currencyCode": currency}, createdAt=restated_at)
    expected = expected_rows(scenario)
    assert expected[(APP, paying["shop_id"])]["status"] == "UNINSTALLED"

    stack.send(SyncApp(app_id=APP, reason="after late data"))

    def converged() -> bool:
        got = stored_rows(stack)
        return all(got.get(k) == v for k, v in expected.items()) or None

    wait_for("late events and restatements to reach the customers", converged, timeout=300)
    tx = stack.db.partner_transactions.find_one({"_id": newest["id"]})
    assert str(tx["gross_amount"]) == "1.23" and len(tx["restatements"]) == 1
    assert stack.db.partner_transactions.count_documents({"_id": newest["id"]}) == 1
    final = stored_rows(stack)
    assert {k: (v, final.get(k)) for k, v in expected.items() if final.get(k) != v} == {}
