"""`crm status`: what is connected and how its syncs are doing."""

from __future__ import annotations

import argparse
from typing import Any

from crm_shared.cli.context import database
from crm_shared.clock import to_iso
from crm_shared.mongo import API_KEYS, APPS, CUSTOMERS, ORGANIZATIONS, SYNC_STATE


def add_parser(sub: Any) -> None:
    """Register `crm status`."""
    p = sub.add_parser("status", help="organizations, apps, sync state and customer counts")
    p.add_argument("--org", default=None, help="only this organization")
    p.set_defaults(func=_status)


def _when(value: Any) -> str:
    return to_iso(value) if value is not None else "never"


async def _status(args: argparse.Namespace) -> int:
    async with database() as db:
        query = {"_id": args.org} if args.org else {}
        orgs = await db[ORGANIZATIONS].find(query).sort("_id", 1).to_list(None)
        if not orgs:
            print("no organization connected: `crm org connect --org <ID> --app <APP_ID>` (see README, "
                  "\"Connect your Partner organization\")")
            return 1 if args.org else 0
        for org in orgs:
            keys = await db[API_KEYS].count_documents({"organization_id": org["_id"], "revoked_at": None})
            token = "stored encrypted" if org.get("access_token_encrypted") else "MISSING (connect again)"
            print(f"organization {org['_id']} ({org.get('name', '')}): token {token}, updated "
                  f"{_when(org.get('token_updated_at'))}; {keys} live API key(s)")
            apps = await db[APPS].find({"organization_id": org["_id"]}).sort("_id", 1).to_list(None)
            if not apps:
                print("  no app yet: `crm app add --org {0} --app <APP_ID>`".format(org["_id"]))
            for app in apps:
                state = await db[SYNC_STATE].find_one({"_id": app["_id"]}) or {}
                customers = await db[CUSTOMERS].count_documents({"app_id": app["_id"]})
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
