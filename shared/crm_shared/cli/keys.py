"""`crm keys create|list|revoke`: API keys of the GraphQL API (stored hashed; shown once)."""

from __future__ import annotations

import argparse
from typing import Any

from crm_shared.cli.context import database
from crm_shared.clock import to_iso
from crm_shared.errors import NotFoundError
from crm_shared.store import registry
from crm_shared.store.registry import FULL, READ, create_api_key, list_api_keys, revoke_api_key


def add_parser(sub: Any) -> None:
    """Register `crm keys ...`."""
    group = sub.add_parser("keys", help="create, list and revoke API keys (full access or read-only)")
    cmds = group.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    create = cmds.add_parser("create", help="create a key for an organization and print it (shown once)",
                             description="Full-access keys may call every query and mutation (connect, keys, "
                                         "syncs, segments); read-only keys (--read-only) may only query.")
    create.add_argument("--org", required=True, help="organization id")
    create.add_argument("--name", default="default", help="a label for the key")
    create.add_argument("--read-only", action="store_true", help="queries only, no mutation")
    create.set_defaults(func=_create)
    listing = cmds.add_parser("list", help="list an organization's keys (ids, labels, scopes; never the keys)")
    listing.add_argument("--org", required=True, help="organization id")
    listing.set_defaults(func=_list)
    revoke = cmds.add_parser("revoke", help="revoke a key at once (the key, its id key_..., or its prefix)")
    revoke.add_argument("key", metavar="KEY_OR_ID")
    revoke.add_argument("--org", default=None, help="only among this organization's keys")
    revoke.set_defaults(func=_revoke)


async def _create(args: argparse.Namespace) -> int:
    async with database() as db:
        if await registry.get_organization(db, args.org) is None:
            raise NotFoundError(f"organization {args.org} is not connected: run `crm org connect --org {args.org}` "
                                "first")
        key = await create_api_key(db, args.org, name=args.name, scope=READ if args.read_only else FULL)
    print(key)
    return 0


async def _list(args: argparse.Namespace) -> int:
    async with database() as db:
        rows = await list_api_keys(db, args.org)
    print(f"{'id':<17} {'scope':<5} {'prefix':<9} {'created':<21} {'revoked':<21} name")
    for r in rows:
        created = to_iso(r["created_at"]) if r["created_at"] else "-"
        revoked = to_iso(r["revoked_at"]) if r["revoked_at"] else "-"
        print(f"{r['key_id']:<17} {r['scope']:<5} {r['prefix']:<9} {created:<21} {revoked:<21} {r['name']}")
    return 0


async def _revoke(args: argparse.Namespace) -> int:
    async with database() as db:
        n = await revoke_api_key(db, args.key, org_id=args.org)
    print(f"revoked {n} key(s)")
    return 0 if n else 1
