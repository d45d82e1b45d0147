"""`crm sync`: queue a sync of one, several or every app; optionally wait for it."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Any

from crm_shared.cli.context import broker, database
from crm_shared.errors import NotFoundError
from crm_shared.partner_access import check_app_id
from crm_shared.store import registry, sync_state
from crm_shared.sync_requests import request_sync


def add_parser(sub: Any) -> None:
    """Register `crm sync`."""
    p = sub.add_parser("sync", help="queue a sync now (incremental, or --full for the whole history)",
                       description="Queues a sync for the sync worker (every connected app when no --app is "
                                   "given). Incremental syncs read since the last one; --full re-reads the whole "
                                   "history. --wait follows the progress until every app is idle or failed.")
    p.add_argument("--app", action="append", default=[], metavar="APP_ID", help="an app (repeat for more)")
    p.add_argument("--full", action="store_true", help="re-read the whole history (a backfill)")
    p.add_argument("--wait", action="store_true", help="wait until the syncs have finished")
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait at most (with --wait)")
    p.set_defaults(func=_sync)


async def _sync(args: argparse.Namespace) -> int:
    async with database() as db:
        if args.app:
            app_ids = [check_app_id(a) for a in args.app]
            known = set(await registry.all_app_ids(db))
            missing = [a for a in app_ids if a not in known]
            if missing:
                raise NotFoundError(f"not connected: {', '.join(missing)} (add it with `crm app add`)")
        else:
            app_ids = await registry.all_app_ids(db)
        if not app_ids:
            print("no app connected yet: `crm org connect --org <ID> --app <APP_ID>`")
            return 1
        b = broker()
        try:
            for app_id in app_ids:
                await request_sync(db, b, app_id, full=args.full, reason="cli")
        finally:
            b.close()
        print(f"{'full ' if args.full else ''}sync queued for {len(app_ids)} app(s)")
        if not args.wait:
            return 0
        return await _wait(db, app_ids, args.timeout)


async def _wait(db: Any, app_ids: list[str], timeout: float) -> int:
    deadline = time.monotonic() + timeout
    seen_running: set[str] = set()
    while True:
        docs: dict[str, Any] = dict(await sync_state.load_many(db, app_ids))
        states = {a: (docs.get(a) or {}).get("state", "QUEUED") for a in app_ids}
        seen_running |= {a for a, s in states.items() if s == "RUNNING"}
        line = "  ".join(f"{a.rsplit('/', 1)[-1]}: {s}"
                         + (f" {100 * docs[a]['progress']:.0f}%" if docs.get(a, {}).get("progress") is not None
                            else "") for a, s in states.items())
        print(f"\r{line}", end="", file=sys.stderr, flush=True)
        done = all(s in ("IDLE", "FAILED") for s in states.values())
        if done:
            print(file=sys.stderr)
            failed = {a: docs[a].get("last_error") for a, s in states.items() if s == "FAILED"}
            for app_id, error in failed.items():
                print(f"{app_id} failed: {error}")
            return 1 if failed else 0
        if time.monotonic() > deadline:
            print("\ncrm: still syncing; follow with `crm status`", file=sys.stderr)
            return 1
        await asyncio.sleep(1.0)
