"""Command line: ``python -m crm_gateway serve`` and ``python -m crm_gateway keys create|revoke``."""

from __future__ import annotations

import argparse
import asyncio
import sys

from crm_shared.logs import configure_logging
from crm_shared.mongo import get_db
from crm_shared.settings import get_settings
from crm_shared.store.registry import create_api_key, revoke_api_key
from crm_shared.token_cipher import require_secret_key


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from crm_gateway.app import create_app

    settings = get_settings()
    configure_logging(settings, "gateway")
    require_secret_key("the gateway")  # it checks and stores Partner API tokens (connectOrganization)
    host = args.host or settings.gateway_host
    port = args.port or settings.gateway_port
    # log_config=None: uvicorn's own records go through the process's structured logging
    uvicorn.run(create_app(), host=host, port=port, log_level=settings.log_level.lower(), access_log=False,
                log_config=None)
    return 0


def _keys_create(args: argparse.Namespace) -> int:
    key = asyncio.run(create_api_key(get_db(), args.org, name=args.name))
    print(key)
    return 0


def _keys_revoke(args: argparse.Namespace) -> int:
    n = asyncio.run(revoke_api_key(get_db(), args.key))
    print(f"revoked {n} key(s)")
    return 0 if n else 1


def parser() -> argparse.ArgumentParser:
    """The CLI's argument parser."""
    p = argparse.ArgumentParser(prog="python -m crm_gateway", description="Merchant CRM GraphQL gateway")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve HTTP with uvicorn (GATEWAY_HOST, GATEWAY_PORT)")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.set_defaults(func=_serve)
    keys = sub.add_parser("keys", help="manage API keys").add_subparsers(dest="keys_command", required=True)
    create = keys.add_parser("create", help="create a key for an organization and print it (shown once)")
    create.add_argument("--org", required=True, help="Partner organization id")
    create.add_argument("--name", default="default", help="a label for the key")
    create.set_defaults(func=_keys_create)
    revoke = keys.add_parser("revoke", help="revoke a key (the key itself or its 8-character prefix)")
    revoke.add_argument("key", metavar="KEY_OR_PREFIX")
    revoke.set_defaults(func=_keys_revoke)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
