"""The `organizations`, `apps` and `api_keys` collections (state documents, small writes).

The only code that reads or writes them.  Partner API access tokens are stored encrypted
(`crm_shared.token_cipher`), API keys as their SHA-256.  A key has a scope: ``full`` (every query and
mutation) or ``read`` (queries only).  Documents::

    organizations   _id = Partner organization id ("1234567")
                    name, access_token_encrypted, partner_api_url (None = PARTNER_API_URL), token_updated_at,
                    created_at
    apps            _id = app gid ("gid://partners/App/101")
                    organization_id, name, api_key, created_at
    api_keys        _id = sha256 hex of the key (keys are never stored)
                    organization_id, name, prefix (first 8 characters, for display), key_id, scope
                    ("full" | "read"), created_at, revoked_at
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime
from typing import Any, Literal, TypedDict, cast

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.clock import utcnow
from crm_shared.errors import ConfigurationError
from crm_shared.mongo import API_KEYS, APPS, ORGANIZATIONS
from crm_shared.token_cipher import TokenCipher, cipher_from_settings

KEY_PREFIX = "crm_"
Scope = Literal["full", "read"]
FULL: Scope = "full"
READ: Scope = "read"

#: Indexes every service relies on, by collection: an organization's apps, an organization's keys.
INDEXES: dict[str, list[IndexModel]] = {
    APPS: [IndexModel([("organization_id", ASCENDING), ("_id", ASCENDING)])],
    API_KEYS: [IndexModel([("organization_id", ASCENDING)])],
}


class OrganizationDoc(TypedDict, total=False):
    """An `organizations` document."""

    _id: str
    name: str
    access_token_encrypted: str
    partner_api_url: str | None
    token_updated_at: datetime
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
    key_id: str
    scope: str
    created_at: datetime
    revoked_at: datetime | None


async def create_indexes(db: AsyncDatabase[Any], indexes: dict[str, list[IndexModel]] | None = None) -> None:
    """Create `indexes` (default `INDEXES`) on the registry's collections (idempotent)."""
    for name, models in (INDEXES if indexes is None else indexes).items():
        await db[name].create_indexes(list(models))


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
    apps: list[dict[str, str | None]],
    partner_api_url: str | None = None,
    cipher: TokenCipher | None = None,
) -> None:
    """Create or update an organization and its apps (`apps`: id, name, apiKey); the token is stored
    encrypted (`cipher`, default from CRM_SECRET_KEY), never in clear."""
    now = utcnow()
    encrypted = (cipher or cipher_from_settings()).encrypt(access_token)
    await db[ORGANIZATIONS].update_one(
        {"_id": org_id},
        {"$set": {"name": name, "access_token_encrypted": encrypted, "partner_api_url": partner_api_url,
                  "token_updated_at": now},
         "$unset": {"access_token": ""},
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


def access_token_of(org: dict[str, Any], cipher: TokenCipher | None = None) -> str:
    """The Partner API token of an `organizations` document, decrypted (`ConfigurationError` if unreadable)."""
    encrypted = org.get("access_token_encrypted")
    if not encrypted:
        raise ConfigurationError(f"organization {org.get('_id')} has no encrypted Partner API token: connect it "
                                 "again (crm org connect) or run `crm secrets rotate` to encrypt a token stored "
                                 "by an earlier version")
    return (cipher or cipher_from_settings()).decrypt(encrypted)


def key_id_of(key_hash: str) -> str:
    """The public id of a key (names it in lists and revocations; reveals nothing of the key)."""
    return "key_" + key_hash[:12]


async def create_api_key(db: AsyncDatabase[Any], org_id: str, name: str = "default", key: str | None = None,
                         scope: Scope = "full") -> str:
    """Store a key for `org_id` (hashed) with its scope and return it in clear, once."""
    if scope not in (FULL, READ):
        raise ValueError(f"unknown key scope {scope!r}")
    key = key or new_key()
    digest = hash_key(key)
    await db[API_KEYS].update_one(
        {"_id": digest},
        {"$set": {"organization_id": org_id, "name": name, "prefix": key[:8], "key_id": key_id_of(digest),
                  "scope": scope, "revoked_at": None},
         "$setOnInsert": {"created_at": utcnow()}},
        upsert=True,
    )
    return key


async def list_api_keys(db: AsyncDatabase[Any], org_id: str) -> list[dict[str, Any]]:
    """The organization's keys (live and revoked), oldest first: key_id, name, prefix, scope, created_at,
    revoked_at. Never the key or its hash."""
    docs = await db[API_KEYS].find({"organization_id": org_id}).to_list(None)
    out = [{"key_id": d.get("key_id") or key_id_of(d["_id"]), "name": d.get("name", ""),
            "prefix": d.get("prefix", ""), "scope": d.get("scope", FULL), "created_at": d.get("created_at"),
            "revoked_at": d.get("revoked_at")} for d in docs]
    out.sort(key=lambda k: (k["created_at"] is None, k["created_at"] or datetime.min, k["key_id"]))
    return out


async def revoke_api_key(db: AsyncDatabase[Any], key_or_prefix: str, org_id: str | None = None) -> int:
    """Revoke a key given in clear, by its key_id, or every key with that display prefix (only the
    organization's keys when `org_id` is given); returns how many were revoked."""
    now: datetime = utcnow()
    matches: list[dict[str, Any]] = [{"_id": hash_key(key_or_prefix)}, {"prefix": key_or_prefix},
                                     {"key_id": key_or_prefix}]
    if re.fullmatch(r"key_[0-9a-f]{12}", key_or_prefix):  # keys stored before key_id existed
        matches.append({"_id": {"$regex": "^" + key_or_prefix[4:]}})
    query: dict[str, Any] = {"$or": matches, "revoked_at": None}
    if org_id is not None:
        query["organization_id"] = org_id
    res = await db[API_KEYS].update_many(query, {"$set": {"revoked_at": now}})
    return res.modified_count


async def key_access(db: AsyncDatabase[Any], key: str) -> tuple[str, Scope] | None:
    """(organization id, scope) of a live key, or None (keys from before scopes existed are full)."""
    doc = await db[API_KEYS].find_one({"_id": hash_key(key), "revoked_at": None})
    if doc is None:
        return None
    scope: Scope = READ if doc.get("scope") == READ else FULL
    return str(doc["organization_id"]), scope


async def organization_for_key(db: AsyncDatabase[Any], key: str) -> str | None:
    """The organization id a live key belongs to, or None."""
    access = await key_access(db, key)
    return access[0] if access else None


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


async def all_organizations(db: AsyncDatabase[Any]) -> list[OrganizationDoc]:
    """Every organization, by id."""
    return [cast(OrganizationDoc, d) async for d in db[ORGANIZATIONS].find({}).sort("_id", 1)]


async def set_access_token(db: AsyncDatabase[Any], org_id: str, encrypted: str) -> None:
    """Replace an organization's stored (encrypted) Partner API token; a token stored in clear is dropped."""
    await db[ORGANIZATIONS].update_one(
        {"_id": org_id},
        {"$set": {"access_token_encrypted": encrypted, "token_updated_at": utcnow()}, "$unset": {"access_token": ""}})


async def add_app(db: AsyncDatabase[Any], org_id: str, app_id: str, name: str, api_key: str | None) -> None:
    """Create or update an app of the organization."""
    await db[APPS].update_one(
        {"_id": app_id},
        {"$set": {"organization_id": org_id, "name": name, "api_key": api_key},
         "$setOnInsert": {"created_at": utcnow()}},
        upsert=True)


async def app_of_another_organization(db: AsyncDatabase[Any], app_id: str, org_id: str) -> bool:
    """Whether `app_id` is registered for an organization other than `org_id`."""
    return await db[APPS].find_one({"_id": app_id, "organization_id": {"$ne": org_id}}, {"_id": 1}) is not None


async def remove_app(db: AsyncDatabase[Any], org_id: str, app_id: str) -> bool:
    """Forget an app of the organization; False when it has no such app."""
    result = await db[APPS].delete_one({"_id": app_id, "organization_id": org_id})
    return bool(result.deleted_count)


async def live_key_count(db: AsyncDatabase[Any], org_id: str) -> int:
    """How many unrevoked API keys the organization has."""
    return int(await db[API_KEYS].count_documents({"organization_id": org_id, "revoked_at": None}))
