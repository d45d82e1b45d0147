"""Deriving every shop of a generated organization purely agrees with the generator's ground truth.

The simulator's generator (``partner_sim.generator``) steps each merchant's life
with its own model and writes down what the CRM must say; this derivation reads
only the Partner API nodes it emitted.  Run at 5,000 shops with
``.venv/bin/python -m tests.customer.test_generator_ground_truth 5000``.
"""

from __future__ import annotations

import collections
import sys
from datetime import UTC, datetime
from typing import Any

from crm_shared.clock import to_iso
from crm_shared.customer import derive_customer, mrr_display

NOW = datetime(2026, 7, 15, tzinfo=UTC)
FIELDS = ("status", "plan", "mrr", "currency", "lifetime_value", "lifetime_net", "is_test", "billing_interval",
          "installed_at", "uninstalled_at", "trial_ends_at", "days_as_customer", "cancelled_entries")


def _iso(value: datetime | None) -> str | None:
    return to_iso(value) if value is not None else None


def derived_row(doc: dict[str, Any]) -> dict[str, Any]:
    """The ground-truth fields of a derived document, in the generator's notation."""
    return {
        "status": doc["status"], "plan": doc["plan"], "mrr": mrr_display(doc["mrr"]), "currency": doc["currency"],
        "lifetime_value": mrr_display(doc["lifetime_value"]), "lifetime_net": mrr_display(doc["lifetime_net"]),
        "is_test": doc["is_test"], "billing_interval": doc["billing_interval"],
        "installed_at": _iso(doc["installed_at"]), "uninstalled_at": _iso(doc["uninstalled_at"]),
        "trial_ends_at": _iso(doc["trial_ends_at"]), "days_as_customer": doc["days_as_customer"],
        "cancelled_entries": sum(1 for e in doc["timeline"] if e["type"] == "CANCELLED"),
    }


def disagreements(seed: int, shops: int, years: float = 4) -> tuple[int, dict[tuple[str, ...], list[Any]]]:
    """(customers compared, {differing fields: [(app, shop, truth, derived)]}) for a generated org."""
    from partner_sim.generator import generate

    org = generate(seed=seed, apps=2, shops=shops, years=years, now=NOW)
    events: dict[tuple[str, str], list[dict[str, Any]]] = collections.defaultdict(list)
    sales: dict[tuple[str, str], list[dict[str, Any]]] = collections.defaultdict(list)
    for node in org.scenario["events"]:
        events[(node["app"]["id"], node["shop"]["id"])].append({"node": node})
    for node in org.scenario["transactions"]:
        if node.get("shop"):
            sales[(node["app"]["id"], node["shop"]["id"])].append({"node": node})
    classes: dict[tuple[str, ...], list[Any]] = collections.defaultdict(list)
    for truth in org.ground_truth:
        key = (truth["app_id"], truth["shop_id"])
        got = derived_row(derive_customer(key[0], key[1], events[key], sales[key], None, NOW))
        differing = tuple(f for f in FIELDS if f in truth and truth[f] != got[f])
        if differing:
            classes[differing].append((key, {f: truth[f] for f in differing}, {f: got[f] for f in differing}))
    return len(org.ground_truth), classes


def test_generated_org_status_plan_mrr_and_ltv_match_ground_truth() -> None:
    compared, classes = disagreements(seed=5, shops=400)
    assert compared >= 400
    assert {k: v[:3] for k, v in classes.items()} == {}


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    total, found = disagreements(seed=int(sys.argv[2]) if len(sys.argv) > 2 else 5, shops=n)
    print(f"customers compared: {total}; disagreement classes: {len(found)}")
    for fields, cases in sorted(found.items(), key=lambda kv: -len(kv[1])):
        print(f"  {fields}: {len(cases)} e.g. {cases[0]}")
