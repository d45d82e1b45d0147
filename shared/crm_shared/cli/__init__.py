"""`crm`: the operator's command line (installed with the shared package, in the venv and every image).

    crm org connect --org ID [--app GID ...] [--name NAME]   check the Partner API token, store it encrypted
    crm org rotate-token --org ID                           replace the token (checked first)
    crm app add --org ID --app GID | crm app remove ...     check an app id with the Partner API / remove one
    crm keys create|list|revoke                             API keys: full access or read-only
    crm sync [--app GID ...] [--full] [--wait]              queue a sync (incremental, or the full history)
    crm status [--org ID]                                   organizations, apps, sync state, customers
    crm secrets new-key | rotate                            make a CRM_SECRET_KEY / re-encrypt stored tokens
    crm webhooks create|list|enable|disable|delete|rotate-secret|replay|deliveries   alert endpoints

The token is read from PARTNER_API_TOKEN, from standard input (--token-stdin) or from a prompt, never
echoed or logged. Exit codes: 0 done, 1 refused or failed (the reason is printed), 2 bad usage.
Configuration comes from the environment (MONGODB_URI, MONGODB_DB, REDIS_URL, PARTNER_API_URL,
PARTNER_API_VERSION, CRM_SECRET_KEY), as for every service.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from crm_shared.cli import apps, keys, org, secrets, status, sync, webhooks
from crm_shared.errors import CrmError

__all__ = ["main", "parser"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def parser() -> argparse.ArgumentParser:
    """The `crm` argument parser (every subcommand has --help)."""
    p = argparse.ArgumentParser(
        prog="crm", description="Operate the merchant CRM: connect a Partner organization and its apps, manage "
                                "API keys, queue syncs, see their status.",
        epilog="Configuration: MONGODB_URI, MONGODB_DB, REDIS_URL, PARTNER_API_URL, PARTNER_API_VERSION, "
               "CRM_SECRET_KEY (environment variables, as for the services).")
    sub = p.add_subparsers(dest="group", required=True, metavar="COMMAND")
    org.add_parser(sub)
    apps.add_parser(sub)
    keys.add_parser(sub)
    sync.add_parser(sub)
    status.add_parser(sub)
    secrets.add_parser(sub)
    webhooks.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `crm` console script."""
    args = parser().parse_args(argv)
    run: Callable[[argparse.Namespace], Awaitable[int] | int] = args.func
    try:
        result: Any = run(args)
        if asyncio.iscoroutine(result):
            result = asyncio.run(result)
        return int(result)
    except CrmError as exc:
        print(f"crm: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_FAILED
