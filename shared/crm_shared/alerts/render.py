"""What an endpoint receives for an event: the JSON body (format ``json``) or a Slack incoming-webhook
message (format ``slack``: one readable sentence and a link to the customer in the console)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from crm_shared.alerts.events import plain
from crm_shared.ids import gid_number


def event_body(event: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON object a `json` endpoint receives (and the live feed streams)."""
    return {
        "id": event["_id"],
        "type": event["type"],
        "createdAt": plain(event.get("created_at")),
        "occurredAt": plain(event.get("occurred_at")),
        "organizationId": event.get("organization_id"),
        "appId": event.get("app_id"),
        "data": plain(event.get("data") or {}),
    }


def customer_link(public_url: str, event: Mapping[str, Any]) -> str | None:
    """The customer's page in the console (None for an event without a customer)."""
    if not event.get("shop_id") or not event.get("app_id"):
        return None
    return (f"{public_url.rstrip('/')}/apps/{gid_number(str(event['app_id']))}"
            f"/customers/{gid_number(str(event['shop_id']))}")


def _money(amount: Any, currency: Any) -> str:
    return f"{amount} {currency}" if amount not in (None, "") else "?"


def sentence(event: Mapping[str, Any]) -> str:
    """One readable sentence saying what happened."""
    data = event.get("data") or {}
    app = (data.get("app") or {}).get("name") or event.get("app_id")
    if event["type"] == "sync.failed":
        return f"The sync of {app} failed and needs attention: {(data.get('sync') or {}).get('error')}"
    c = data.get("customer") or {}
    who = f"{c.get('name') or c.get('domain') or c.get('shopId')} ({c.get('domain')})" if c.get("domain") else \
        str(c.get("name") or c.get("shopId"))
    entry = data.get("timelineEntry") or {}
    cur = entry.get("currency") or (c.get("mrr") or {}).get("currencyCode")
    plan = entry.get("plan") or c.get("plan")
    before, after = _money(entry.get("mrrBefore"), cur), _money(entry.get("mrrAfter"), cur)
    seg = (data.get("segment") or {}).get("name")
    what = {
        "customer.installed": f"installed {app}",
        "customer.reinstalled": f"reinstalled {app}",
        "customer.uninstalled": f"uninstalled {app}",
        "customer.trial_started": f"started a trial of {plan} on {app}",
        "customer.trial_converted": f"converted from trial to {plan} on {app} (MRR {after})",
        "customer.subscribed": f"subscribed to {plan} on {app} (MRR {after})",
        "customer.upgraded": f"upgraded to {plan} on {app}: MRR {before} → {after}",
        "customer.downgraded": f"downgraded to {plan} on {app}: MRR {before} → {after}",
        "customer.plan_changed": f"changed plan to {plan} on {app} (MRR {after})",
        "customer.cancelled": f"cancelled {plan} on {app} (MRR was {before})",
        "customer.reactivated": f"came back to {app} on {plan} (MRR {after})",
        "customer.frozen": f"had the {app} subscription frozen (store billing paused)",
        "customer.unfrozen": f"had the {app} subscription unfrozen",
        "customer.charge_declined": f"declined the {plan} charge of {app}",
        "customer.charge_expired": f"let the {plan} charge of {app} expire",
        "segment.entered": f"entered the segment {seg} of {app}",
        "segment.left": f"left the segment {seg} of {app}",
    }.get(event["type"], event["type"])
    return f"{who} {what}"


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(event: Mapping[str, Any], public_url: str) -> dict[str, Any]:
    """A Slack incoming-webhook message: the sentence and a link to the customer."""
    text = _slack_escape(sentence(event))
    link = customer_link(public_url, event)
    if link:
        text += f" <{link}|Open the customer>"
    return {"text": text, "unfurl_links": False}


def body_bytes(event: Mapping[str, Any], fmt: str, public_url: str) -> bytes:
    """The request body for an endpoint of format `fmt`."""
    if fmt == "slack":
        return orjson.dumps(slack_message(event, public_url))
    body = event_body(event)
    link = customer_link(public_url, event)
    if link:
        body["data"]["customerUrl"] = link
    return orjson.dumps(body)
