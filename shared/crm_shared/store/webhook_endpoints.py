"""The `webhook_endpoints` collection: where an organization's alerts go.  The only code that reads or writes
it (the gateway's mutations and the `crm webhooks` command create and change endpoints; the delivery engine
records each endpoint's health and disables one that keeps failing).

The signing secret is generated here (``whsec_`` + 32 random bytes, url-safe base64), returned once in
clear and stored only encrypted with `crm_shared.token_cipher` (CRM_SECRET_KEY), like Partner API tokens.
Document::

    _id = "whe_" + 24 hex, organization_id, url, event_types (empty: every type), app_ids (empty: every app
    of the organization), segments (empty: every customer), format ("json" | "slack"), secret_encrypted,
    description, enabled, disabled_reason, disabled_at, created_at (the services' clock: history before it is
    never sent), updated_at, consecutive_failures, failing_since (first failure since the last success,
    wall clock), last_success_at, last_failure_at
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal, TypedDict, cast

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.mongo import WEBHOOK_ENDPOINTS
from crm_shared.token_cipher import TokenCipher, cipher_from_settings

COLLECTION = WEBHOOK_ENDPOINTS
SECRET_PREFIX = "whsec_"
Format = Literal["json", "slack"]
FORMATS: tuple[str, ...] = ("json", "slack")
MAX_PER_ORGANIZATION = 50

INDEXES = [IndexModel([("organization_id", ASCENDING), ("created_at", ASCENDING)])]


class EndpointDoc(TypedDict, total=False):
    """A `webhook_endpoints` document."""

    _id: str
    organization_id: str
    url: str
    event_types: list[str]
    app_ids: list[str]
    segments: list[str]
    format: str
    secret_encrypted: str
    description: str
    enabled: bool
    disabled_reason: str | None
    disabled_at: datetime | None
    created_at: datetime
    updated_at: datetime
    consecutive_failures: int
    failing_since: datetime | None
    last_success_at: datetime | None
    last_failure_at: datetime | None


async def create_indexes(db: AsyncDatabase[Any], models: Iterable[IndexModel] = INDEXES) -> None:
    """Create `models` (default: the collection's base indexes) on `webhook_endpoints` (idempotent)."""
    await db[COLLECTION].create_indexes(list(models))


def new_secret() -> str:
    """A fresh signing secret."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


async def create(db: AsyncDatabase[Any], org_id: str, url: str, *, event_types: list[str], app_ids: list[str],
                 segments: list[str], fmt: str, description: str, now: datetime,
                 cipher: TokenCipher | None = None) -> tuple[EndpointDoc, str]:
    """Store a new endpoint; returns it and its signing secret in clear (shown once)."""
    secret = new_secret()
    doc: EndpointDoc = {
        "_id": "whe_" + secrets.token_hex(12), "organization_id": org_id, "url": url,
        "event_types": sorted(set(event_types)), "app_ids": sorted(set(app_ids)), "segments": sorted(set(segments)),
        "format": fmt, "secret_encrypted": (cipher or cipher_from_settings()).encrypt(secret),
        "description": description, "enabled": True, "disabled_reason": None, "disabled_at": None,
        "created_at": now, "updated_at": now, "consecutive_failures": 0, "failing_since": None,
        "last_success_at": None, "last_failure_at": None,
    }
    await db[COLLECTION].insert_one(dict(doc))
    return doc, secret


async def count(db: AsyncDatabase[Any], org_id: str) -> int:
    return int(await db[COLLECTION].count_documents({"organization_id": org_id}))


async def get(db: AsyncDatabase[Any], endpoint_id: str, org_id: str | None = None) -> EndpointDoc | None:
    """The endpoint (None when missing or, given `org_id`, another organization's)."""
    query: dict[str, Any] = {"_id": endpoint_id}
    if org_id is not None:
        query["organization_id"] = org_id
    return cast(EndpointDoc | None, await db[COLLECTION].find_one(query))


async def of_organization(db: AsyncDatabase[Any], org_id: str, enabled_only: bool = False) -> list[EndpointDoc]:
    """The organization's endpoints, oldest first."""
    query: dict[str, Any] = {"organization_id": org_id}
    if enabled_only:
        query["enabled"] = True
    cursor = db[COLLECTION].find(query).sort([("created_at", ASCENDING), ("_id", ASCENDING)])
    return [cast(EndpointDoc, d) async for d in cursor]


async def update(db: AsyncDatabase[Any], org_id: str, endpoint_id: str, fields: dict[str, Any],
                 now: datetime) -> EndpointDoc | None:
    """Change an endpoint's settings (url, event_types, app_ids, segments, format, description, enabled);
    enabling clears the failure record.  None when the organization has no such endpoint."""
    allowed = {"url", "event_types", "app_ids", "segments", "format", "description", "enabled"}
    update_set = {k: v for k, v in fields.items() if k in allowed}
    update_set["updated_at"] = now
    if update_set.get("enabled") is True:
        update_set.update({"disabled_reason": None, "disabled_at": None, "consecutive_failures": 0,
                           "failing_since": None})
    elif update_set.get("enabled") is False:
        update_set.update({"disabled_reason": "disabled by a user", "disabled_at": now})
    doc = await db[COLLECTION].find_one_and_update({"_id": endpoint_id, "organization_id": org_id},
                                                   {"$set": update_set}, return_document=ReturnDocument.AFTER)
    return cast(EndpointDoc | None, doc)


async def rotate_secret(db: AsyncDatabase[Any], org_id: str, endpoint_id: str, now: datetime,
                        cipher: TokenCipher | None = None) -> tuple[EndpointDoc, str] | None:
    """Replace the endpoint's signing secret; returns the endpoint and the new secret in clear."""
    secret = new_secret()
    doc = await db[COLLECTION].find_one_and_update(
        {"_id": endpoint_id, "organization_id": org_id},
        {"$set": {"secret_encrypted": (cipher or cipher_from_settings()).encrypt(secret), "updated_at": now}},
        return_document=ReturnDocument.AFTER)
    return (cast(EndpointDoc, doc), secret) if doc is not None else None


async def delete(db: AsyncDatabase[Any], org_id: str, endpoint_id: str) -> bool:
    """Delete an endpoint; False when the organization has no such endpoint."""
    return bool((await db[COLLECTION].delete_one({"_id": endpoint_id, "organization_id": org_id})).deleted_count)


def secret_of(doc: EndpointDoc, cipher: TokenCipher | None = None) -> str:
    """The endpoint's signing secret in clear."""
    return (cipher or cipher_from_settings()).decrypt(doc["secret_encrypted"])


async def record_success(db: AsyncDatabase[Any], endpoint_id: str, at: datetime) -> None:
    """A delivery succeeded: the failure record is cleared."""
    await db[COLLECTION].update_one({"_id": endpoint_id}, {"$set": {
        "consecutive_failures": 0, "failing_since": None, "last_success_at": at}})


async def record_failures(db: AsyncDatabase[Any], endpoint_id: str, failures: int, at: datetime) -> EndpointDoc | None:
    """`failures` attempts failed (and none succeeded after them); returns the endpoint's record."""
    await db[COLLECTION].update_one({"_id": endpoint_id, "failing_since": None}, {"$set": {"failing_since": at}})
    doc = await db[COLLECTION].find_one_and_update(
        {"_id": endpoint_id}, {"$inc": {"consecutive_failures": failures}, "$set": {"last_failure_at": at}},
        return_document=ReturnDocument.AFTER)
    return cast(EndpointDoc | None, doc)


async def disable(db: AsyncDatabase[Any], endpoint_id: str, reason: str, at: datetime) -> None:
    """Stop delivering to the endpoint, recording why (a user enables it again)."""
    await db[COLLECTION].update_one({"_id": endpoint_id, "enabled": True}, {"$set": {
        "enabled": False, "disabled_reason": reason, "disabled_at": at}})


async def forget_organization(db: AsyncDatabase[Any], org_id: str) -> None:
    await db[COLLECTION].delete_many({"organization_id": org_id})
