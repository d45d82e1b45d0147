"""The `organizations`, `apps` and `api_keys` collections (state documents, small writes).

The only code that reads or writes them.  Documents::

    organizations   _id = Partner organization id ("1234567")
                    name, access_token, partner_api_url (None = PARTNER_API_URL), created_at
    apps            _id = app gid ("gid://partners/App/101")
                    organization_id, name, api_key, created_at
    api_keys        _id = sha256 hex of the key (keys are never stored)
                    organization_id, name, prefix (first 8 characters, for display), created_at, revoked_at
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any, TypedDict, cast

from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.clock import utcnow
from crm_shared.mongo import API_KEYS, APPS, ORGANIZATIONS

KEY_PREFIX = "crm_"


class OrganizationDoc(TypedDict, total=False):
    """An `organizations` document."""

    _id: str
    name: str
    access_token: str
    partner_api_url: str | None
    created_at: datetime


class AppDoc(TypedDict, total=False):
    """An `apps` document."""

    _id: str
    organization_id: str
    name: str
    api_key: str | None
    created_at: datetime


class ApiKeyDoc(TypedDict, total=False):
    """An `api_keys` document."""

    _id: str
    organization_id: str
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


def hash_key(key: str) -> str:
    """API keys are stored as their SHA-256 (they are long random tokens)."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


async def register_organization(
    db: AsyncDatabase[Any],
    org_id: str,
    name: str,
    access_token: str,
    apps: list[dict[str, str]],
    partner_api_url: str | None = None,
) -> None:
    """Create or update an organization and its apps (`apps`: id, name, apiKey)."""
    now = utcnow()
    await db[ORGANIZATIONS].update_one(
        {"_id": org_id},
        {"$set": {"name": name, "access_token": access_token, "partner_api_url": partner_api_url},
         "$setOnInsert": {"created_at": now}},
        upsert=True,
    )
    for app in apps:
        await db[APPS].update_one(
            {"_id": app["id"]},
            {"$set": {"organization_id": org_id, "name": app.get("name") or app["id"],
                      "api_key": app.get("apiKey")},
             "$setOnInsert": {"created_at": now}},
            upsert=True,
        )


async def create_api_key(db: AsyncDatabase[Any], org_id: str, name: str = "default", key: str | None = None) -> str:
    """Store a key for `org_id` (hashed) and return it in clear, once."""
    key = key or new_key()
    await db[API_KEYS].update_one(
        {"_id": hash_key(key)},
        {"$set": {"organization_id": org_id, "name": name, "prefix": key[:8], "revoked_at": None},
         "$setOnInsert": {"created_at": utcnow()}},
        upsert=True,
    )
    return key


async def revoke_api_key(db: AsyncDatabase[Any], key_or_prefix: str) -> int:
    """Revoke a key given in clear, or every key with that display prefix."""
    now: datetime = utcnow()
    res = await db[API_KEYS].update_many(
        {"$or": [{"_id": hash_key(key_or_prefix)}, {"prefix": key_or_prefix}], "revoked_at": None},
        {"$set": {"revoked_at": now}},
    )
    return res.modified_count


async def organization_for_key(db: AsyncDatabase[Any], key: str) -> str | None:
    """The organization id a live key belongs to, or None."""
    doc = await db[API_KEYS].find_one({"_id": hash_key(key), "revoked_at": None})
    return doc["organization_id"] if doc else None


async def get_app(db: AsyncDatabase[Any], app_id: str, org_id: str | None = None) -> AppDoc | None:
    """The app, or None when it is not registered (or, given `org_id`, belongs to another organization)."""
    query: dict[str, Any] = {"_id": app_id}
    if org_id is not None:
        query["organization_id"] = org_id
    return cast(AppDoc | None, await db[APPS].find_one(query))


async def apps_by_id(db: AsyncDatabase[Any], app_ids: list[str], org_id: str) -> dict[str, AppDoc]:
    """The apps of `org_id` among `app_ids`, by id."""
    docs = db[APPS].find({"_id": {"$in": app_ids}, "organization_id": org_id})
    return {d["_id"]: cast(AppDoc, d) async for d in docs}


async def apps_of(db: AsyncDatabase[Any], org_id: str) -> list[AppDoc]:
    """Every app of an organization, by id."""
    return [cast(AppDoc, d) async for d in db[APPS].find({"organization_id": org_id}).sort("_id", 1)]


async def all_app_ids(db: AsyncDatabase[Any]) -> list[str]:
    """Every registered app id, sorted (the schedulers walk them)."""
    return sorted([d["_id"] async for d in db[APPS].find({}, {"_id": 1})])


async def get_organization(db: AsyncDatabase[Any], org_id: str) -> OrganizationDoc | None:
    """The organization, or None."""
    return cast(OrganizationDoc | None, await db[ORGANIZATIONS].find_one({"_id": org_id}))
