"""`crm status`: what is connected and how its syncs are doing."""

from __future__ import annotations

import argparse
from typing import Any

from crm_shared.cli.context import database
from crm_shared.clock import to_iso
from crm_shared.store import customers as customer_store
from crm_shared.store import registry, sync_state


def add_parser(sub: Any) -> None:
    """Register `crm status`."""
    p = sub.add_parser("status", help="organizations, apps, sync state and customer counts")
    p.add_argument("--org", default=None, help="only this organization")
    p.set_defaults(func=_status)


def _when(value: Any) -> str:
    return to_iso(value) if value is not None else "never"


async def _status(args: argparse.Namespace) -> int:
    async with database() as db:
        if args.org:
            one = await registry.get_organization(db, args.org)
            orgs = [one] if one is not None else []
        else:
            orgs = await registry.all_organizations(db)
        if not orgs:
            print("no organization connected: `crm org connect --org <ID> --app <APP_ID>` (see README, "
                  "\"Connect your Partner organization\")")
            return 1 if args.org else 0
        for org in orgs:
            keys = await registry.live_key_count(db, org["_id"])
            token = "stored encrypted" if org.get("access_token_encrypted") else "MISSING (connect again)"
            print(f"organization {org['_id']} ({org.get('name', '')}): token {token}, updated "
                  f"{_when(org.get('token_updated_at'))}; {keys} live API key(s)")
            apps = await registry.apps_of(db, org["_id"])
            if not apps:
                print("  no app yet: `crm app add --org {} --app <APP_ID>`".format(org["_id"]))
            for app in apps:
                state = await sync_state.load(db, app["_id"])
                customers = await customer_store.count(db, app["_id"])
                progress = state.get("progress")
                line = (f"  app {app['_id']} ({app.get('name', '')}): {state.get('state', 'never synced')}"
                        + (f" {100 * progress:.0f}%" if progress is not None and state.get("state") == "RUNNING"
                           else "")
                        + f", last synced {_when(state.get('last_synced_at'))}, "
                        f"{state.get('events_synced', 0)} events, {state.get('transactions_synced', 0)} "
                        f"transactions, {customers} customers")
                print(line)
                if state.get("last_error"):
                    print(f"    last error: {state['last_error']}")
    return 0
