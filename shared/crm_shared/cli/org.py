"""`crm org connect` and `crm org rotate-token`."""

from __future__ import annotations

import argparse
from typing import Any

from crm_shared.cli.context import connector, database, read_token
from crm_shared.connections import ConnectResult


def add_parser(sub: Any) -> None:
    """Register `crm org ...`."""
    group = sub.add_parser("org", help="connect a Partner organization or replace its Partner API token")
    cmds = group.add_subparsers(dest="org_command", required=True, metavar="ACTION")
    connect = cmds.add_parser(
        "connect", help="check a Partner API token with the Partner API, then store it (encrypted) with the apps",
        description="Checks the token against the Partner API (it must belong to the organization and have the "
                    "\"Manage apps\" and \"View financials\" permissions) and every app id, and stores nothing "
                    "when a check fails. Then stores the token encrypted with CRM_SECRET_KEY and queues each "
                    "app's first sync (an import of its whole history). The token is read from "
                    "PARTNER_API_TOKEN, from standard input (--token-stdin), or from a prompt.")
    connect.add_argument("--org", required=True, help="organization id: the number after partners.shopify.com/ "
                                                      "in your Partner Dashboard address")
    connect.add_argument("--app", action="append", default=[], metavar="APP_ID",
                         help="an app to sync, gid://partners/App/<number> or the number (repeat for more)")
    connect.add_argument("--name", default=None, help="a display name for the organization")
    connect.add_argument("--token-stdin", action="store_true", help="read the token from standard input")
    connect.set_defaults(func=_connect)
    rotate = cmds.add_parser("rotate-token", help="replace the organization's Partner API token (checked first)",
                             description="Checks the new token against every app of the organization, then "
                                         "replaces the stored one. Revoke the old token in the Partner Dashboard "
                                         "afterwards.")
    rotate.add_argument("--org", required=True, help="organization id")
    rotate.add_argument("--token-stdin", action="store_true", help="read the token from standard input")
    rotate.set_defaults(func=_rotate)


def describe(result: ConnectResult) -> str:
    """What a connect did, for people."""
    lines = [f"organization {result.organization_id} ({result.name}) connected; token stored encrypted"]
    for app in result.apps:
        lines.append(f"  app {app.id} ({app.name})")
    if result.syncs_requested:
        lines.append(f"first sync queued for {len(result.syncs_requested)} app(s): follow it with `crm status`")
    lines.append(f"next: create an API key with `crm keys create --org {result.organization_id}`")
    return "\n".join(lines)


async def _connect(args: argparse.Namespace) -> int:
    token = read_token(args.token_stdin)
    async with database() as db:
        result = await connector(db).connect_organization(args.org, token, args.app, args.name)
    print(describe(result))
    return 0


async def _rotate(args: argparse.Namespace) -> int:
    token = read_token(args.token_stdin, "new Partner API access token: ")
    async with database() as db:
        result = await connector(db, with_broker=False).rotate_token(args.org, token)
    print(f"organization {result.organization_id}: token replaced (checked against {len(result.apps)} app(s)); "
          "revoke the old one in the Partner Dashboard")
    return 0
