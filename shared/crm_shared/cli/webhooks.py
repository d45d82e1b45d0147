"""`crm webhooks create|list|enable|disable|delete|rotate-secret|replay|deliveries`: alert endpoints
(docs/alerts.md).  The same checks as the GraphQL mutations; a new or rotated signing secret is printed once."""

from __future__ import annotations

import argparse
from typing import Any

from crm_shared.alerts import endpoints as ops
from crm_shared.alerts.events import EVENT_TYPES
from crm_shared.cli.context import broker, database
from crm_shared.clock import parse_iso, to_iso, utcnow
from crm_shared.errors import NotFoundError
from crm_shared.lease import wall_clock
from crm_shared.messages import DeliverWebhooks, send
from crm_shared.settings import get_settings
from crm_shared.store import webhook_deliveries, webhook_endpoints


def add_parser(sub: Any) -> None:
    """Register `crm webhooks ...`."""
    group = sub.add_parser("webhooks", help="alert endpoints: signed JSON or Slack webhooks for customer events")
    cmds = group.add_subparsers(dest="webhooks_command", required=True, metavar="ACTION")
    create = cmds.add_parser("create", help="add an endpoint and print its signing secret (shown once)",
                             description="Event types: " + ", ".join(EVENT_TYPES) + " (default: all).")
    create.add_argument("--org", required=True, help="organization id")
    create.add_argument("--url", required=True, help="https URL (http allowed outside production)")
    create.add_argument("--event", action="append", default=[], metavar="TYPE", choices=EVENT_TYPES,
                        help="an event type to send (repeatable; default: every type)")
    create.add_argument("--app", action="append", default=[], metavar="APP_ID",
                        help="an app to cover (repeatable; default: every app of the organization)")
    create.add_argument("--segment", action="append", default=[], metavar="KEY",
                        help="only customers in this segment, e.g. VIP or saved:big-shops (repeatable)")
    create.add_argument("--format", choices=["json", "slack"], default="json",
                        help="json (signed) or slack (an incoming-webhook message)")
    create.add_argument("--description", default="", help="a note")
    create.set_defaults(func=_create)
    listing = cmds.add_parser("list", help="an organization's endpoints, their state and delivery counts")
    listing.add_argument("--org", required=True, help="organization id")
    listing.set_defaults(func=_list)
    for name, helptext, func in (("enable", "enable an endpoint (clears its failure record)", _enable),
                                 ("disable", "stop sending to an endpoint", _disable),
                                 ("delete", "delete an endpoint and its delivery log", _delete),
                                 ("rotate-secret", "replace the signing secret and print the new one", _rotate)):
        cmd = cmds.add_parser(name, help=helptext)
        cmd.add_argument("endpoint", metavar="ENDPOINT_ID")
        cmd.add_argument("--org", required=True, help="organization id")
        cmd.set_defaults(func=func)
    replay = cmds.add_parser("replay", help="send one event, or the events recorded in a time range, again")
    replay.add_argument("endpoint", metavar="ENDPOINT_ID")
    replay.add_argument("--org", required=True, help="organization id")
    replay.add_argument("--event", default=None, metavar="EVENT_ID", help="one event (evt_...)")
    replay.add_argument("--from", dest="start", default=None, metavar="ISO", help="range start (inclusive)")
    replay.add_argument("--to", dest="end", default=None, metavar="ISO", help="range end (exclusive)")
    replay.set_defaults(func=_replay)
    log = cmds.add_parser("deliveries", help="an endpoint's recent deliveries and attempts")
    log.add_argument("endpoint", metavar="ENDPOINT_ID")
    log.add_argument("--org", required=True, help="organization id")
    log.add_argument("--limit", type=int, default=20)
    log.set_defaults(func=_deliveries)


def _production() -> bool:
    return get_settings().environment == "production"


async def _create(args: argparse.Namespace) -> int:
    async with database() as db:
        spec = ops.EndpointInput(url=args.url, event_types=args.event, app_ids=args.app, segments=args.segment,
                                 format=args.format, description=args.description)
        doc, secret = await ops.create_endpoint(db, args.org, spec, production=_production(), now=utcnow())
    print(f"endpoint {doc['_id']} created for {doc['url']} ({doc['format']})")
    print(f"signing secret (shown once): {secret}")
    return 0


async def _list(args: argparse.Namespace) -> int:
    async with database() as db:
        docs = await webhook_endpoints.of_organization(db, args.org)
        counts = {d["_id"]: await webhook_deliveries.counts(db, d["_id"]) for d in docs}
    print(f"{'id':<29} {'state':<8} {'format':<6} {'pending':>7} {'sent':>6} {'failed':>6}  url")
    for d in docs:
        c = counts[d["_id"]]
        state = "enabled" if d.get("enabled") else "disabled"
        print(f"{d['_id']:<29} {state:<8} {d.get('format', 'json'):<6} {c['pending']:>7} {c['delivered']:>6} "
              f"{c['failed']:>6}  {d['url']}")
        if d.get("disabled_reason"):
            print(f"    disabled: {d['disabled_reason']}")
    return 0


async def _set_enabled(args: argparse.Namespace, enabled: bool) -> int:
    async with database() as db:
        await ops.update_endpoint(db, args.org, args.endpoint, ops.EndpointInput(enabled=enabled),
                                  production=_production(), now=utcnow())
    if enabled:
        send(broker(), DeliverWebhooks(endpoint_id=args.endpoint))
    print(f"endpoint {args.endpoint} {'enabled' if enabled else 'disabled'}")
    return 0


async def _enable(args: argparse.Namespace) -> int:
    return await _set_enabled(args, True)


async def _disable(args: argparse.Namespace) -> int:
    return await _set_enabled(args, False)


async def _delete(args: argparse.Namespace) -> int:
    async with database() as db:
        if not await ops.delete_endpoint(db, args.org, args.endpoint):
            raise NotFoundError(f"no webhook endpoint with id {args.endpoint!r}")
    print(f"endpoint {args.endpoint} deleted")
    return 0


async def _rotate(args: argparse.Namespace) -> int:
    async with database() as db:
        result = await webhook_endpoints.rotate_secret(db, args.org, args.endpoint, utcnow())
    if result is None:
        raise NotFoundError(f"no webhook endpoint with id {args.endpoint!r}")
    print(f"new signing secret (shown once): {result[1]}")
    return 0


async def _replay(args: argparse.Namespace) -> int:
    async with database() as db:
        n = await ops.replay(db, args.org, args.endpoint, event_id=args.event,
                             start=parse_iso(args.start) if args.start else None,
                             end=parse_iso(args.end) if args.end else None, now=wall_clock())
    if n:
        send(broker(), DeliverWebhooks(endpoint_id=args.endpoint))
    print(f"{n} deliveries queued")
    return 0


async def _deliveries(args: argparse.Namespace) -> int:
    async with database() as db:
        await ops.endpoint_of(db, args.org, args.endpoint)
        docs = await webhook_deliveries.of_endpoint(db, args.endpoint, args.limit)
    for d in docs:
        logs = d.get("log") or []
        last_ms = logs[-1]["duration_ms"] if logs else None
        print(f"{d['event_id']} {d['event_type']:<26} {d['state']:<9} attempts={d.get('attempts', 0)} "
              f"status={d.get('last_status_code')} ms={last_ms} "
              f"{('next=' + to_iso(d['next_attempt_at'])) if d['state'] == 'pending' else ''}"
              f"{(' error=' + str(d['last_error'])) if d.get('last_error') else ''}")
    return 0
