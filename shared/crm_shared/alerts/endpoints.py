"""Managing webhook endpoints and replays: the operations the GraphQL mutations and `crm webhooks` share.

Every input is checked here (URL safety in production, known event types, the organization's own apps,
segment keys), with `UserInputError` / `NotFoundError` saying what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.alerts import url_safety
from crm_shared.alerts.emit import endpoint_wants
from crm_shared.alerts.events import EVENT_TYPES
from crm_shared.errors import NotFoundError, UserInputError
from crm_shared.store import customer_events, registry, webhook_deliveries, webhook_endpoints
from crm_shared.store.webhook_endpoints import FORMATS, MAX_PER_ORGANIZATION, EndpointDoc
from crm_shared.token_cipher import TokenCipher

SEGMENT_KEY = re.compile(r"^(VIP|AT_RISK|GROWTH|NEW|saved:[a-z0-9][a-z0-9-]{0,79})$")
MAX_REPLAY = 10_000


@dataclass
class EndpointInput:
    """What a user gives for an endpoint (None: unchanged, on an update)."""

    url: str | None = None
    event_types: list[str] | None = None
    app_ids: list[str] | None = None
    segments: list[str] | None = None
    format: str | None = None
    description: str | None = None
    enabled: bool | None = None


async def _checked(db: AsyncDatabase[Any], org_id: str, spec: EndpointInput, production: bool,
                   resolver: url_safety.Resolver | None) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if spec.url is not None:
        fields["url"] = (await url_safety.check(spec.url, production, resolver)).url
    if spec.event_types is not None:
        unknown = sorted(set(spec.event_types) - set(EVENT_TYPES))
        if unknown:
            raise UserInputError(f"unknown event types {unknown}; known: {', '.join(EVENT_TYPES)}")
        fields["event_types"] = sorted(set(spec.event_types))
    if spec.app_ids is not None:
        ids = sorted({str(a).strip() for a in spec.app_ids})
        ids = [a if a.startswith("gid://") else f"gid://partners/App/{a}" for a in ids]
        mine = await registry.apps_by_id(db, ids, org_id)
        missing = [a for a in ids if a not in mine]
        if missing:
            raise NotFoundError(f"no app with id {missing[0]!r}")
        fields["app_ids"] = ids
    if spec.segments is not None:
        bad = [s for s in spec.segments if not SEGMENT_KEY.match(s)]
        if bad:
            raise UserInputError(f"unknown segment key {bad[0]!r}: VIP, AT_RISK, GROWTH, NEW or saved:<slug>")
        fields["segments"] = sorted(set(spec.segments))
    if spec.format is not None:
        if spec.format not in FORMATS:
            raise UserInputError(f"format must be one of {', '.join(FORMATS)}")
        fields["format"] = spec.format
    if spec.description is not None:
        if len(spec.description) > 200:
            raise UserInputError("description must be at most 200 characters")
        fields["description"] = spec.description.strip()
    if spec.enabled is not None:
        fields["enabled"] = spec.enabled
    return fields


async def create_endpoint(db: AsyncDatabase[Any], org_id: str, spec: EndpointInput, *, production: bool,
                          now: datetime, cipher: TokenCipher | None = None,
                          resolver: url_safety.Resolver | None = None) -> tuple[EndpointDoc, str]:
    """Check and store a new endpoint; returns it and its signing secret (shown once)."""
    if spec.url is None:
        raise UserInputError("an endpoint needs a url")
    if await webhook_endpoints.count(db, org_id) >= MAX_PER_ORGANIZATION:
        raise UserInputError(f"an organization has at most {MAX_PER_ORGANIZATION} webhook endpoints")
    fields = await _checked(db, org_id, spec, production, resolver)
    return await webhook_endpoints.create(
        db, org_id, fields["url"], event_types=fields.get("event_types", []), app_ids=fields.get("app_ids", []),
        segments=fields.get("segments", []), fmt=fields.get("format", "json"),
        description=fields.get("description", ""), now=now, cipher=cipher)


async def update_endpoint(db: AsyncDatabase[Any], org_id: str, endpoint_id: str, spec: EndpointInput, *,
                          production: bool, now: datetime,
                          resolver: url_safety.Resolver | None = None) -> EndpointDoc:
    """Change an endpoint (enabling a disabled one clears its failure record)."""
    if await webhook_endpoints.get(db, endpoint_id, org_id) is None:
        raise NotFoundError(f"no webhook endpoint with id {endpoint_id!r}")
    fields = await _checked(db, org_id, spec, production, resolver)
    doc = await webhook_endpoints.update(db, org_id, endpoint_id, fields, now)
    if doc is None:
        raise NotFoundError(f"no webhook endpoint with id {endpoint_id!r}")
    return doc


async def delete_endpoint(db: AsyncDatabase[Any], org_id: str, endpoint_id: str) -> bool:
    """Delete an endpoint and its delivery log; False when there was none."""
    if not await webhook_endpoints.delete(db, org_id, endpoint_id):
        return False
    await webhook_deliveries.forget_endpoint(db, endpoint_id)
    return True


async def endpoint_of(db: AsyncDatabase[Any], org_id: str, endpoint_id: str) -> EndpointDoc:
    doc = await webhook_endpoints.get(db, endpoint_id, org_id)
    if doc is None:
        raise NotFoundError(f"no webhook endpoint with id {endpoint_id!r}")
    return doc


async def replay(db: AsyncDatabase[Any], org_id: str, endpoint_id: str, *, event_id: str | None = None,
                 start: datetime | None = None, end: datetime | None = None, now: datetime) -> int:
    """Queue the endpoint's events again: one event (by id), or those created in [start, end) that the
    endpoint selects (apps, types, segments; replays ignore the endpoint's creation time).  Returns how many
    deliveries were queued."""
    endpoint = await endpoint_of(db, org_id, endpoint_id)
    if event_id is not None:
        if start is not None or end is not None:
            raise UserInputError("give either an event id or a time range, not both")
        found = (await customer_events.by_ids(db, [event_id])).get(event_id)
        if found is None or found.get("organization_id") != org_id:
            raise NotFoundError(f"no event with id {event_id!r}")
        events = [dict(found)]
    else:
        if start is None and end is None:
            raise UserInputError("give an event id or a time range (from and/or to)")
        if start is not None and end is not None and start >= end:
            raise UserInputError("the range's start must be before its end")
        events = [dict(e) for e in await customer_events.of_organization(db, org_id, start, end, MAX_REPLAY + 1)]
        if len(events) > MAX_REPLAY:
            raise UserInputError(f"the range holds more than {MAX_REPLAY} events: replay a shorter range")
    selector = {**endpoint, "enabled": True, "created_at": None}
    chosen = [e for e in events if endpoint_wants(selector, e)]
    if event_id is not None and not chosen:
        raise UserInputError("the endpoint does not subscribe to this event (its apps, types or segments)")
    return await webhook_deliveries.replay(db, endpoint_id, chosen, now)
