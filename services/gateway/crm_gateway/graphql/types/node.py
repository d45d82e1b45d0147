"""The Relay `Node` interface and global ids.

App ids are the Partner app gids themselves (``gid://partners/App/101``), as the
API contract fixes for `app(id:)` (tests/gateway/test_schema_contract.py).  Customer ids are opaque: base64 of
``Customer:<app gid>|<shop gid>``.
"""

from __future__ import annotations

import base64
import binascii
import re

import strawberry

from crm_shared.errors import UserInputError

APP_GID = re.compile(r"^gid://partners/App/\d+$")
SHOP_GID = re.compile(r"^gid://partners/Shop/\d+$")


@strawberry.interface(description="An object with a global id, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(description="Global id, stable and opaque.")


def customer_global_id(key: str) -> str:
    """The global id of the customer document `key` (app|shop)."""
    return base64.urlsafe_b64encode(f"Customer:{key}".encode()).decode()


def parse_global_id(global_id: str) -> tuple[str, str]:
    """(type name, key) of a global id; BAD_USER_INPUT when it is not one of ours."""
    if APP_GID.match(global_id):
        return "App", global_id
    try:
        raw = base64.urlsafe_b64decode(global_id.encode() + b"=" * (-len(global_id) % 4)).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise UserInputError(f"invalid id {global_id!r}") from exc
    type_name, _, key = raw.partition(":")
    if type_name == "Customer":
        app_id, _, shop_id = key.partition("|")
        if APP_GID.match(app_id) and SHOP_GID.match(shop_id):
            return "Customer", key
    raise UserInputError(f"invalid id {global_id!r}")
