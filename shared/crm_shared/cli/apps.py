"""`crm app add` and `crm app remove`."""

from __future__ import annotations

import argparse
from typing import Any

from crm_shared.cli.context import connector, database


def add_parser(sub: Any) -> None:
    """Register `crm app ...`."""
    group = sub.add_parser("app", help="add an app of a connected organization, or remove one")
    cmds = group.add_subparsers(dest="app_command", required=True, metavar="ACTION")
    add = cmds.add_parser("add", help="check the app id with the Partner API, store it, queue its first sync",
                          description="The Partner API has no query listing an organization's apps, so each app "
                                      "is added by id: the number in its Partner Dashboard address (Apps > the "
                                      "app: partners.shopify.com/<org>/apps/<number>).")
    add.add_argument("--org", required=True, help="organization id")
    add.add_argument("--app", required=True, metavar="APP_ID", help="gid://partners/App/<number> or the number")
    add.set_defaults(func=_add)
    remove = cmds.add_parser("remove", help="stop syncing and serving an app (--purge: delete its data too)")
    remove.add_argument("--org", required=True, help="organization id")
    remove.add_argument("--app", required=True, metavar="APP_ID", help="gid://partners/App/<number> or the number")
    remove.add_argument("--purge", action="store_true", help="also delete the app's synced and derived data")
    remove.set_defaults(func=_remove)


async def _add(args: argparse.Namespace) -> int:
    async with database() as db:
        result = await connector(db).add_app(args.org, args.app)
    for app in result.apps:
        print(f"app {app.id} ({app.name}) added to organization {result.organization_id}; first sync queued")
    return 0


async def _remove(args: argparse.Namespace) -> int:
    async with database() as db:
        removed = await connector(db, with_broker=False).remove_app(args.org, args.app, purge=args.purge)
    if not removed:
        print(f"crm: organization {args.org} has no app {args.app}")
        return 1
    print(f"app {args.app} removed" + (" with its data" if args.purge else ""))
    return 0
