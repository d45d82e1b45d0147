"""Scenario files (format: deploy/partner-api-sim/README.md, Scenario files): what the simulated Partner API holds.

A scenario is ``organization``, ``apps``, ``events`` and ``transactions`` (nodes
exactly as the Partner API returns them), ``shopProfiles`` (what the partner's
own app reports; not served by the API) and an optional ``now``.

Extensions the simulator understands (all optional):
- an event node without ``__typename`` gets it from its ``type``;
- a transaction id may appear more than once: the LAST occurrence in the file is
  the current version (a restatement under the same id);
- an app may carry ``"onAppPricing": true`` (2026-07 ``activeSubscription`` answers for it);
- the organization may list more Partner API clients, ``"apiClients": [{"accessToken", "permissions"}]``
  with permissions among ``MANAGE_APPS`` (``app``, ``App.events``) and ``VIEW_FINANCIALS``
  (``transactions``, ``transaction``); its own ``accessToken`` has both;
- a node may carry ``"visibleAfter"`` (ISO wall-clock): it is hidden until then
  (a late-arriving event); the key is never served.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from crm_shared.clock import parse_iso, to_iso

#: What a Partner API client may be granted (as the Partner Dashboard's checkboxes "Manage apps" and
#: "View financials").
ALL_PERMISSIONS: frozenset[str] = frozenset({"MANAGE_APPS", "VIEW_FINANCIALS"})


class ScenarioError(ValueError):
    """The scenario file is not in the scenario format."""


@lru_cache(maxsize=64)
def typename_for(event_type: str) -> str:
    """``SUBSCRIPTION_CHARGE_ACTIVATED`` → ``SubscriptionChargeActivated``."""
    return "".join(part.capitalize() for part in event_type.split("_"))


@dataclass
class Scenario:
    """The parsed content of a scenario file."""

    organization: dict[str, Any]
    apps: list[dict[str, Any]]
    events: list[dict[str, Any]] = field(default_factory=list)
    transactions: list[dict[str, Any]] = field(default_factory=list)
    shop_profiles: list[dict[str, Any]] = field(default_factory=list)
    now: datetime | None = None

    @property
    def organization_id(self) -> str:
        """The Partner organization id (the first path segment of the API URL)."""
        return str(self.organization["id"])

    @property
    def access_token(self) -> str:
        """The organization's main access token (every permission)."""
        return str(self.organization["accessToken"])

    def permissions_of(self, token: str) -> frozenset[str] | None:
        """The permissions of a Partner API client's token, or None when the organization has no such token."""
        if token and token == self.access_token:
            return ALL_PERMISSIONS
        for client in self.organization.get("apiClients") or ():
            if token and token == client.get("accessToken"):
                return frozenset(client.get("permissions") or ())
        return None

    def to_dict(self) -> dict[str, Any]:
        """The §6 JSON document (key order fixed, so output is byte-stable)."""
        out: dict[str, Any] = {
            "organization": self.organization,
            "apps": self.apps,
            "events": self.events,
            "transactions": self.transactions,
            "shopProfiles": self.shop_profiles,
        }
        if self.now is not None:
            out["now"] = to_iso(self.now)
        return out


def _require(obj: dict[str, Any], keys: tuple[str, ...], where: str) -> None:
    missing = [k for k in keys if k not in obj]
    if missing:
        raise ScenarioError(f"{where}: missing {', '.join(missing)}")


def scenario_from_dict(data: dict[str, Any]) -> Scenario:
    """Validate and wrap a §6 document (raises ``ScenarioError``)."""
    if not isinstance(data, dict):
        raise ScenarioError("a scenario is a JSON object")
    _require(data, ("organization", "apps"), "scenario")
    org = data["organization"]
    _require(org, ("id", "accessToken"), "organization")
    org.setdefault("name", f"Organization {org['id']}")
    for i, app in enumerate(data["apps"]):
        _require(app, ("id",), f"apps[{i}]")
        app.setdefault("name", app["id"].rsplit("/", 1)[-1])
        app.setdefault("apiKey", "k" + app["id"].rsplit("/", 1)[-1])
    events = data.get("events") or []
    for i, ev in enumerate(events):
        _require(ev, ("type", "occurredAt", "app", "shop"), f"events[{i}]")
        if "__typename" not in ev:
            ev["__typename"] = typename_for(ev["type"])
    txns = data.get("transactions") or []
    for i, tx in enumerate(txns):
        _require(tx, ("__typename", "id", "createdAt"), f"transactions[{i}]")
    now_raw = data.get("now")
    return Scenario(
        organization=org,
        apps=list(data["apps"]),
        events=events,
        transactions=txns,
        shop_profiles=list(data.get("shopProfiles") or []),
        now=parse_iso(now_raw) if now_raw else None,
    )


def validate_nodes(events: list[dict[str, Any]] | None = None,
                   transactions: list[dict[str, Any]] | None = None) -> None:
    """Check event and transaction nodes as ``scenario_from_dict`` does (raises ``ScenarioError``)."""
    scenario_from_dict({"organization": {"id": "0", "accessToken": "-"}, "apps": [],
                        "events": events or [], "transactions": transactions or []})


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario file."""
    from partner_sim.gc_pause import gc_paused

    with open(path, encoding="utf-8") as fh, gc_paused():
        return scenario_from_dict(json.load(fh))


def dump_scenario(scenario: Scenario | dict[str, Any], path: str | Path) -> None:
    """Write a scenario as compact, deterministic JSON."""
    data = scenario.to_dict() if isinstance(scenario, Scenario) else scenario
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))
        fh.write("\n")
