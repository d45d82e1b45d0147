"""The `crm` command line against the simulator, the suite's MongoDB and Redis (as an operator runs it)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.cli import main
from crm_shared.mongo import API_KEYS, APPS, ORGANIZATIONS, SYNC_STATE
from crm_shared.settings import get_settings
from crm_shared.store.registry import access_token_of, key_access
from crm_shared.token_cipher import TokenCipher, new_secret_key
from tests.connect.conftest import (
    APP,
    GOOD_TOKEN,
    NO_APPS_TOKEN,
    NO_FINANCIALS_TOKEN,
    ORG,
    UNKNOWN_APP,
    WRONG_TOKEN,
    Sim,
)

REDIS_DB = 9  # a database of the suite's Redis of this module's own, to count queued messages


def run_in_process(argv: list[str], env: dict[str, str], stdin: str) -> subprocess.CompletedProcess[str]:
    """`crm argv` in this process (as the console script runs it), with `env` as the environment."""
    saved_env, saved_stdin = dict(os.environ), sys.stdin
    out, err = io.StringIO(), io.StringIO()
    os.environ.clear()
    os.environ.update(env)
    get_settings.cache_clear()
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse
                code = int(exc.code or 0)
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        get_settings.cache_clear()
        sys.stdin = saved_stdin
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


@dataclass
class Crm:
    """Runs `crm` in a subprocess with this test's database."""

    env: dict[str, str]
    db: AsyncDatabase
    redis: redis.Redis

    in_process: bool = True

    def __call__(self, *args: str, token: str | None = None,
                 stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        env = dict(self.env)
        if token is not None:
            env["PARTNER_API_TOKEN"] = token
        if not self.in_process:
            return subprocess.run([sys.executable, "-m", "crm_shared.cli", *args], env=env, input=stdin or "",
                                  capture_output=True, text=True, timeout=120)
        with ThreadPoolExecutor(1) as pool:  # `crm` runs its own event loop; this test's loop is busy
            return pool.submit(run_in_process, list(args), env, stdin or "").result(timeout=120)

    def queued(self, queue: str = "sync") -> list[dict[str, Any]]:
        """The messages waiting on a queue (dramatiq's Redis layout: ids in a list, bodies in a hash)."""
        bodies = self.redis.hgetall(f"dramatiq:{queue}.msgs")
        return [json.loads(b) for b in bodies.values()]


@pytest.fixture
async def crm(sim: Sim, mongo_uri: str, redis_url: str) -> AsyncIterator[Crm]:
    name = f"cli_{uuid.uuid4().hex[:10]}"
    base, _, _ = redis_url.rpartition("/")
    url = f"{base}/{REDIS_DB}"
    client: AsyncMongoClient = AsyncMongoClient(mongo_uri, tz_aware=True)
    r = redis.Redis.from_url(url)
    r.flushdb()
    env = {**os.environ, "MONGODB_URI": mongo_uri, "MONGODB_DB": name, "REDIS_URL": url,
           "PARTNER_API_URL": sim.url, "PARTNER_API_VERSION": "2026-04"}
    env.pop("PARTNER_API_TOKEN", None)
    try:
        yield Crm(env=env, db=client[name], redis=r)
    finally:
        await client.drop_database(name)
        await client.close()
        r.flushdb()
        r.close()


async def nothing_stored(crm: Crm) -> None:
    for collection in (ORGANIZATIONS, APPS, SYNC_STATE, API_KEYS):
        assert await crm.db[collection].count_documents({}) == 0, collection
    assert crm.queued() == []


async def test_help_says_what_each_command_does(crm: Crm) -> None:
    crm.in_process = False  # the module as a process, like the console script
    top = crm("--help")
    assert top.returncode == 0
    for command in ("org", "app", "keys", "sync", "status", "secrets"):
        assert command in top.stdout
    for args, words in ((("org", "connect", "--help"), "Manage apps"), (("app", "add", "--help"), "Partner Dashboard"),
                        (("keys", "create", "--help"), "read-only"), (("sync", "--help"), "--full"),
                        (("secrets", "rotate", "--help"), "CRM_SECRET_KEY=<new>,<old>")):
        result = crm(*args)
        assert result.returncode == 0 and words in result.stdout.replace("\n", " "), args


async def test_good_token_connects_stores_it_encrypted_and_queues_the_first_sync(crm: Crm) -> None:
    crm.in_process = False
    result = crm("org", "connect", "--org", ORG, "--app", APP, "--name", "Acme", token=GOOD_TOKEN)
    assert result.returncode == 0, result.stderr
    assert "organization 1234567 (Acme) connected" in result.stdout and "Ranky" in result.stdout
    assert GOOD_TOKEN not in result.stdout + result.stderr
    org = await crm.db[ORGANIZATIONS].find_one({"_id": ORG})
    assert org is not None and "access_token" not in org
    assert GOOD_TOKEN not in json.dumps(org, default=str)
    assert access_token_of(org, TokenCipher(crm.env["CRM_SECRET_KEY"])) == GOOD_TOKEN
    app = await crm.db[APPS].find_one({"_id": APP})
    assert app == {**app, "organization_id": ORG, "name": "Ranky", "api_key": "k101"}
    assert (await crm.db[SYNC_STATE].find_one({"_id": APP}))["state"] == "QUEUED"
    assert [(m["actor_name"], m["kwargs"]["app_id"]) for m in crm.queued()] == [("sync_app", APP)]


@pytest.mark.parametrize("token,app,message", [
    (WRONG_TOKEN, APP, "refused the access token for organization 1234567"),
    (NO_FINANCIALS_TOKEN, APP, 'lacks the "View financials" permission'),
    (NO_APPS_TOKEN, APP, 'lacks the "Manage apps" permission'),
    (GOOD_TOKEN, UNKNOWN_APP, "knows no app gid://partners/App/999"),
])
async def test_refused_connects_say_why_and_store_nothing(crm: Crm, token: str, app: str, message: str) -> None:
    result = crm("org", "connect", "--org", ORG, "--app", app, token=token)
    assert result.returncode == 1
    assert message in result.stderr and result.stderr.startswith("crm: ")
    assert token not in result.stdout + result.stderr
    await nothing_stored(crm)


async def test_token_from_stdin_and_no_token_at_all(crm: Crm) -> None:
    missing = crm("org", "connect", "--org", ORG)
    assert missing.returncode == 1 and "PARTNER_API_TOKEN" in missing.stderr
    piped = crm("org", "connect", "--org", ORG, "--token-stdin", stdin=GOOD_TOKEN + "\n")
    assert piped.returncode == 0, piped.stderr
    assert await crm.db[ORGANIZATIONS].count_documents({"_id": ORG}) == 1


async def test_app_add_validates_the_app_and_app_remove_removes_it(crm: Crm) -> None:
    assert crm("org", "connect", "--org", ORG, token=GOOD_TOKEN).returncode == 0
    unknown = crm("app", "add", "--org", ORG, "--app", UNKNOWN_APP)
    assert unknown.returncode == 1 and "knows no app" in unknown.stderr
    assert await crm.db[APPS].count_documents({}) == 0
    added = crm("app", "add", "--org", ORG, "--app", "101")
    assert added.returncode == 0 and "app gid://partners/App/101 (Ranky) added" in added.stdout
    assert await crm.db[APPS].count_documents({"organization_id": ORG}) == 1
    status = crm("status")
    assert status.returncode == 0 and "token stored encrypted" in status.stdout and "QUEUED" in status.stdout
    removed = crm("app", "remove", "--org", ORG, "--app", APP)
    assert removed.returncode == 0 and await crm.db[APPS].count_documents({}) == 0
    assert crm("app", "remove", "--org", ORG, "--app", APP).returncode == 1


async def test_keys_create_list_revoke_with_read_only_scope(crm: Crm) -> None:
    assert crm("keys", "create", "--org", ORG).returncode == 1  # not connected yet
    assert crm("org", "connect", "--org", ORG, token=GOOD_TOKEN).returncode == 0
    full = crm("keys", "create", "--org", ORG, "--name", "ops").stdout.strip()
    read = crm("keys", "create", "--org", ORG, "--name", "dashboard", "--read-only").stdout.strip()
    assert await key_access(crm.db, full) == (ORG, "full")
    assert await key_access(crm.db, read) == (ORG, "read")
    listing = crm("keys", "list", "--org", ORG).stdout
    assert "ops" in listing and "dashboard" in listing and " read " in listing and " full " in listing
    assert full not in listing and read not in listing
    key_id = next(line.split()[0] for line in listing.splitlines() if line.endswith("dashboard"))
    assert crm("keys", "revoke", key_id, "--org", ORG).returncode == 0
    assert await key_access(crm.db, read) is None and await key_access(crm.db, full) == (ORG, "full")
    assert crm("keys", "revoke", key_id).returncode == 1  # already revoked


async def test_sync_queues_incremental_or_full_syncs(crm: Crm) -> None:
    assert crm("sync").returncode == 1  # nothing connected
    assert crm("org", "connect", "--org", ORG, "--app", APP, token=GOOD_TOKEN).returncode == 0
    crm.redis.flushdb()
    assert crm("sync", "--full").returncode == 0
    assert crm("sync", "--app", APP).returncode == 0
    assert sorted(m["actor_name"] for m in crm.queued()) == ["backfill_app", "sync_app"]
    unknown = crm("sync", "--app", UNKNOWN_APP)
    assert unknown.returncode == 1 and "not connected" in unknown.stderr


async def test_rotate_token_checks_the_new_token_first(crm: Crm) -> None:
    assert crm("org", "connect", "--org", ORG, "--app", APP, token=GOOD_TOKEN).returncode == 0
    before = await crm.db[ORGANIZATIONS].find_one({"_id": ORG})
    bad = crm("org", "rotate-token", "--org", ORG, token=NO_FINANCIALS_TOKEN)
    assert bad.returncode == 1 and "View financials" in bad.stderr
    assert (await crm.db[ORGANIZATIONS].find_one({"_id": ORG}))["access_token_encrypted"] == (
        before["access_token_encrypted"])


async def test_secrets_rotate_moves_tokens_to_the_new_key_and_encrypts_legacy_ones(crm: Crm) -> None:
    assert crm("org", "connect", "--org", ORG, "--app", APP, token=GOOD_TOKEN).returncode == 0
    await crm.db[ORGANIZATIONS].insert_one({"_id": "42", "name": "Legacy", "access_token": "prtapi_legacy_plain"})
    old, new = crm.env["CRM_SECRET_KEY"], new_secret_key()
    crm.env["CRM_SECRET_KEY"] = f"{new},{old}"
    result = crm("secrets", "rotate")
    assert result.returncode == 0 and "re-encrypted 1 token" in result.stdout and "encrypted 1 token" in result.stdout
    crm.env["CRM_SECRET_KEY"] = new
    for org_id, token in ((ORG, GOOD_TOKEN), ("42", "prtapi_legacy_plain")):
        doc = await crm.db[ORGANIZATIONS].find_one({"_id": org_id})
        assert "access_token" not in doc and access_token_of(doc, TokenCipher(new)) == token
    key = crm("secrets", "new-key").stdout.strip()
    TokenCipher(key)  # a usable key
