"""Organizations, apps and API keys (state documents, small writes)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.clock import utcnow
from crm_shared.mongo import API_KEYS, APPS, ORGANIZATIONS

KEY_PREFIX = "crm_"


def hash_key(key: str) -> str:
    """API keys are stored as their SHA-256 (they are long random tokens)."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


async def register_organization(
    db: AsyncDatabase,
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


async def create_api_key(db: AsyncDatabase, org_id: str, name: str = "default", key: str | None = None) -> str:
    """Store a key for `org_id` (hashed) and return it in clear, once."""
    key = key or new_key()
    await db[API_KEYS].update_one(
        {"_id": hash_key(key)},
        {"$set": {"organization_id": org_id, "name": name, "prefix": key[:8], "revoked_at": None},
         "$setOnInsert": {"created_at": utcnow()}},
        upsert=True,
    )
    return key


async def revoke_api_key(db: AsyncDatabase, key_or_prefix: str) -> int:
    """Revoke a key given in clear, or every key with that display prefix."""
    now: datetime = utcnow()
    res = await db[API_KEYS].update_many(
        {"$or": [{"_id": hash_key(key_or_prefix)}, {"prefix": key_or_prefix}], "revoked_at": None},
        {"$set": {"revoked_at": now}},
    )
    return res.modified_count


async def organization_for_key(db: AsyncDatabase, key: str) -> str | None:
    """The organization id a live key belongs to, or None."""
    doc = await db[API_KEYS].find_one({"_id": hash_key(key), "revoked_at": None})
    return doc["organization_id"] if doc else None
