"""`python -m crm_gateway keys create|revoke` against the real database."""

from __future__ import annotations

import os
import subprocess
import sys

from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.store.registry import hash_key, organization_for_key


def run_cli(db: AsyncDatabase, mongo_uri: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MONGODB_URI": mongo_uri, "MONGODB_DB": db.name}
    return subprocess.run([sys.executable, "-m", "crm_gateway", "keys", *args], env=env, capture_output=True,
                          text=True, timeout=120)


async def test_keys_are_created_hashed_and_revoked_by_prefix(db: AsyncDatabase, mongo_uri: str) -> None:
    created = run_cli(db, mongo_uri, "create", "--org", "777", "--name", "ci")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert key.startswith("crm_") and len(key) > 30
    stored = await db["api_keys"].find_one({"_id": hash_key(key)})
    assert stored["organization_id"] == "777" and stored["name"] == "ci" and key not in str(stored)
    assert await organization_for_key(db, key) == "777"
    revoked = run_cli(db, mongo_uri, "revoke", key[:8])
    assert revoked.returncode == 0 and "revoked 1" in revoked.stdout
    assert await organization_for_key(db, key) is None
    assert run_cli(db, mongo_uri, "revoke", key).returncode == 1  # nothing left to revoke
