"""`crm secrets new-key` and `crm secrets rotate` (CRM_SECRET_KEY; see crm_shared.token_cipher)."""

from __future__ import annotations

import argparse
from typing import Any

from crm_shared.cli.context import database
from crm_shared.store import registry
from crm_shared.token_cipher import cipher_from_settings, new_secret_key


def add_parser(sub: Any) -> None:
    """Register `crm secrets ...`."""
    group = sub.add_parser("secrets", help="make a CRM_SECRET_KEY, or re-encrypt stored tokens after a rotation")
    cmds = group.add_subparsers(dest="secrets_command", required=True, metavar="ACTION")
    new = cmds.add_parser("new-key", help="print a new key for CRM_SECRET_KEY")
    new.set_defaults(func=_new_key)
    rotate = cmds.add_parser(
        "rotate", help="re-encrypt every stored token with the first key of CRM_SECRET_KEY",
        description="Key rotation: set CRM_SECRET_KEY=<new>,<old> on every service and restart them, run this, "
                    "then set CRM_SECRET_KEY=<new> and restart again. A token stored in clear by an earlier "
                    "version is encrypted too.")
    rotate.set_defaults(func=_rotate)


def _new_key(_args: argparse.Namespace) -> int:
    print(new_secret_key())
    return 0


async def _rotate(_args: argparse.Namespace) -> int:
    cipher = cipher_from_settings()
    rotated = encrypted_legacy = 0
    async with database() as db:
        for org in await registry.all_organizations(db):
            if org.get("access_token_encrypted"):
                new = cipher.rotate(org["access_token_encrypted"])
                rotated += 1
            elif legacy := dict(org).get("access_token"):  # stored in clear by an earlier version
                new = cipher.encrypt(str(legacy))
                encrypted_legacy += 1
            else:
                continue
            await registry.set_access_token(db, org["_id"], new)
    print(f"re-encrypted {rotated} token(s) with the first key of CRM_SECRET_KEY"
          + (f"; encrypted {encrypted_legacy} token(s) stored in clear by an earlier version" if encrypted_legacy
             else ""))
    return 0
