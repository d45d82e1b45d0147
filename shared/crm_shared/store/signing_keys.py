"""The `signing_keys` collection: a deployment's stored random secrets (state, written by the gateway).

The only code that reads or writes it.  The gateway signs export links with
the secret ``export_links`` when ``CRM_EXPORT_SIGNING_KEY`` is not set
(`crm_gateway.export_links`): every replica reads the same stored secret, and
the first to need it creates it (`ensure_secret`).

Document (``_id`` = the secret's name): ``secret`` (64 hex digits).
"""

from __future__ import annotations

import secrets
from typing import Any, TypedDict, cast

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from crm_shared.mongo import SIGNING_KEYS

COLLECTION = SIGNING_KEYS


class SigningKeyDoc(TypedDict):
    """A `signing_keys` document."""

    _id: str
    secret: str  # hex


async def ensure_secret(db: AsyncDatabase[Any], name: str) -> bytes:
    """The stored secret `name`, created (32 random bytes) when there is none; when replicas race, the first
    insert wins and every one reads it."""
    coll = db[COLLECTION]
    doc = await coll.find_one({"_id": name})
    if doc is None:
        try:
            await coll.insert_one({"_id": name, "secret": secrets.token_hex(32)})
        except DuplicateKeyError:  # another replica created it first: use theirs
            pass
        doc = await coll.find_one({"_id": name})
    assert doc is not None
    return bytes.fromhex(cast(SigningKeyDoc, doc)["secret"])
