"""The whole product as local child processes.

Used by `make run` (`python -m crm_devstack run`) and by the end-to-end tests,
so both exercise the same start-up path.  Embedded parts (SecantusDB, Redis,
the Partner API simulator) are started only when `MONGODB_URI`, `REDIS_URL`
or `PARTNER_API_URL` do not point at existing ones.

With `PARTNER_API_URL` set (and no scenario) the stack serves a real organization: no demo data is
generated or registered, nothing is synced until an organization is connected (`crm org connect`, whose
environment the stack writes to `<data dir>/crm.env`).  Partner API tokens are encrypted with
`CRM_SECRET_KEY`, or with a key kept in `<data dir>/secret.key` when it is unset.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm_devstack.data_dir import DataDirLock, claim
from crm_devstack.processes import (
    ProcessGroup,
    free_port,
    port_in_use,
    start_gateway,
    start_redis,
    start_secantus,
    wait_for_port,
)
from crm_shared.clock import to_iso
from crm_shared.settings import Settings

PY = sys.executable


@dataclass
class StackConfig:
    """What to start (`from_settings`: what `make run` starts)."""

    data_dir: Path = Path(".data")
    gateway_port: int = 8000
    sim_port: int = 8090
    scenario: Path | None = None
    mongodb_uri: str | None = None
    redis_url: str | None = None
    partner_api_url: str | None = None
    now: str | None = None
    bootstrap_api_key: str | None = None
    demo_seed: int = 1
    demo_apps: int = 2
    demo_shops: int = 3000
    demo_years: float = 2.0
    mongo_storage: str | None = None  # None: <data_dir>/mongo; ":memory:" for throwaway
    mongodb_db: str | None = None  # None: crm_demo, crm_scenario_<hash>, or crm for a real organization
    secret_key: str | None = None  # None: CRM_SECRET_KEY's value is kept in <data_dir>/secret.key
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> StackConfig:
        """What `make run` starts: embedded parts for what the settings leave unset."""
        scenario = Path(settings.partner_sim_scenario).resolve() if settings.partner_sim_scenario else None
        return cls(
            data_dir=Path(settings.data_dir) if settings.data_dir else default_data_dir(scenario),
            gateway_port=settings.gateway_port,
            sim_port=settings.partner_sim_port,
            scenario=scenario,
            mongodb_uri=settings.mongodb_uri if settings.is_set("mongodb_uri") else None,
            redis_url=settings.redis_url if settings.is_set("redis_url") else None,
            partner_api_url=settings.partner_api_url if settings.is_set("partner_api_url") else None,
            now=to_iso(settings.now_override) if settings.now_override else None,
            bootstrap_api_key=settings.bootstrap_api_key,
            demo_shops=settings.demo_shops,
            mongodb_db=settings.mongodb_db if settings.is_set("mongodb_db") else None,
            secret_key=settings.secret_key.get_secret_value() if settings.secret_key else None,
        )

    @property
    def real_organization(self) -> bool:
        """A real (or external) Partner API and no scenario: no demo data, connect with `crm org connect`."""
        return bool(self.partner_api_url) and self.scenario is None


def default_data_dir(scenario: Path | None) -> Path:
    """``.data`` for the demo; a folder of its own under ``.data`` for each scenario file."""
    if scenario is None:
        return Path(".data")
    digest = hashlib.sha256(str(scenario).encode()).hexdigest()[:10]
    return Path(".data") / f"scenario-{scenario.stem}-{digest}"


class PortInUseError(RuntimeError):
    """A port the stack needs is taken."""


@dataclass
class RunningStack:
    """Where the started stack answers."""

    graphql_url: str
    api_key: str | None  # None until an organization is connected (real Partner API)
    organization_id: str | None
    app_ids: list[str]
    env: dict[str, str]
    group: ProcessGroup
    data_dir: Path
    lock: DataDirLock | None = None
    env_file: Path | None = None  # the environment `crm` needs to reach this stack

    def stop(self) -> list[int]:
        """Stop every process of the stack and free its data folder; the pids still alive (normally none)."""
        survivors = self.group.stop()
        if self.lock is not None:
            self.lock.release()
            self.lock = None
        return survivors


def _database_name(config: StackConfig) -> str:
    if config.mongodb_db:
        return config.mongodb_db
    if config.real_organization:
        return "crm"
    if config.scenario is None:
        return "crm_demo"
    digest = hashlib.sha256(str(config.scenario).encode()).hexdigest()[:10]
    return f"crm_scenario_{digest}"


def _demo_scenario(config: StackConfig, group: ProcessGroup) -> Path:
    """Generate the demo organization once (kept under .data/)."""
    path = config.data_dir / f"demo-scenario-{config.demo_seed}-{config.demo_shops}.json"
    if not path.exists():
        import subprocess

        argv = [PY, "-m", "partner_sim", "generate", "--out", str(path), "--seed", str(config.demo_seed),
                "--apps", str(config.demo_apps), "--shops", str(config.demo_shops), "--years", str(config.demo_years)]
        if config.now:
            argv += ["--now", config.now]
        subprocess.run(argv, check=True)
    return path


def _secret_key(config: StackConfig, data_dir: Path) -> str:
    """CRM_SECRET_KEY, or the stack's own key kept in <data_dir>/secret.key (made on first start)."""
    given = config.secret_key or config.extra_env.get("CRM_SECRET_KEY")
    if given:
        return given
    from crm_shared.token_cipher import new_secret_key

    path = data_dir / "secret.key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(new_secret_key() + "\n")
    return path.read_text().strip()


def _write_env_file(env: dict[str, str], data_dir: Path) -> Path:
    """The variables `crm` needs to reach this stack, as `export` lines (mode 600: it holds the secret key)."""
    path = data_dir / "crm.env"
    keys = ("MONGODB_URI", "MONGODB_DB", "REDIS_URL", "PARTNER_API_URL", "CRM_SECRET_KEY")
    path.touch(mode=0o600)
    path.write_text("".join(f"export {k}={shlex.quote(env[k])}\n" for k in keys if k in env))
    return path


async def _register(env: dict[str, str], scenario: dict[str, Any], api_key: str | None) -> str:
    """Register the scenario's organization and apps; return the API key."""
    from pymongo import AsyncMongoClient

    from crm_shared.store.indexes import ensure_base_indexes
    from crm_shared.store.registry import create_api_key, register_organization
    from crm_shared.token_cipher import TokenCipher

    client: AsyncMongoClient = AsyncMongoClient(env["MONGODB_URI"], tz_aware=True)
    try:
        db = client[env["MONGODB_DB"]]
        await ensure_base_indexes(db)
        org = scenario["organization"]
        await register_organization(db, str(org["id"]), org.get("name", org["id"]), org["accessToken"],
                                    scenario["apps"], cipher=TokenCipher(env["CRM_SECRET_KEY"]))
        return await create_api_key(db, str(org["id"]), name="bootstrap", key=api_key)
    finally:
        await client.close()


def _send_initial_messages(env: dict[str, str], scenario: dict[str, Any]) -> None:
    """Profiles through the ingest path, then an immediate sync of every app."""
    from crm_shared.broker import make_broker
    from crm_shared.messages import IngestShopProfiles, ShopProfile, SyncApp, send

    broker = make_broker(env["REDIS_URL"])
    by_app: dict[str, list[ShopProfile]] = {}
    for p in scenario.get("shopProfiles", []):
        by_app.setdefault(p["appId"], []).append(
            ShopProfile(shop_id=p["shopId"], email=p.get("email"), country=p.get("country"),
                        shopify_plan=p.get("shopifyPlan"), last_active_at=p.get("lastActiveAt"))
        )
    for app_id, profiles in by_app.items():
        for i in range(0, len(profiles), 500):
            send(broker, IngestShopProfiles(app_id=app_id, profiles=profiles[i:i + 500]))
    for app in scenario["apps"]:
        send(broker, SyncApp(app_id=app["id"], reason="startup"))
    broker.close()


def _check_ports(config: StackConfig) -> None:
    wanted = [("GATEWAY_PORT", config.gateway_port)]
    if not config.partner_api_url:
        wanted.append(("PARTNER_SIM_PORT", config.sim_port))
    for variable, port in wanted:
        if port_in_use(port):
            raise PortInUseError(f"port {port} is in use (another stack?); choose another with {variable}=<port>")


def start_stack(config: StackConfig) -> RunningStack:
    """Start every part; on any failure stop what was started and re-raise.

    Raises `DataDirInUseError` when another stack holds the data folder and
    `PortInUseError` when a port is taken, before starting anything."""
    data_dir = config.data_dir.resolve()
    lock = claim(data_dir)
    group = ProcessGroup(data_dir / "logs")
    try:
        _check_ports(config)
        stack = _start(config, data_dir, group)
    except BaseException:
        group.stop()
        lock.release()
        raise
    stack.lock = lock
    lock.describe(gateway=stack.graphql_url, pgid=group.pgid)
    return stack


def _start(config: StackConfig, data_dir: Path, group: ProcessGroup) -> RunningStack:
    mongo_uri = config.mongodb_uri or start_secantus(
        group, free_port(), config.mongo_storage or str(data_dir / "mongo"))
    redis_url = config.redis_url or start_redis(group, free_port(), data_dir / "redis")

    scenario: dict[str, Any] | None = None
    if not config.real_organization:
        scenario_path = config.scenario or _demo_scenario(config, group)
        scenario = json.loads(Path(scenario_path).read_text())
    now = config.now or (scenario.get("now") if scenario is not None and config.scenario else None)

    env = {
        "MONGODB_URI": mongo_uri,
        "MONGODB_DB": _database_name(config),
        "REDIS_URL": redis_url,
        "CRM_SECRET_KEY": _secret_key(config, data_dir),
        "GATEWAY_PORT": str(config.gateway_port),
        "PARTNER_SIM_PORT": str(config.sim_port),
        "PYTHONUNBUFFERED": "1",
        **config.extra_env,
    }
    if now:
        env["CRM_NOW"] = now
    if config.partner_api_url:
        env["PARTNER_API_URL"] = config.partner_api_url
    else:
        env["PARTNER_API_URL"] = f"http://127.0.0.1:{config.sim_port}"
        sim = group.start("partner-api-sim", [PY, "-m", "partner_sim", "serve", "--port", str(config.sim_port),
                                              "--scenario", str(scenario_path)], env)
        wait_for_port(config.sim_port, timeout=120, proc=sim)

    api_key = asyncio.run(_register(env, scenario, config.bootstrap_api_key)) if scenario is not None else None
    env_file = _write_env_file(env, data_dir)

    group.start("sync-worker", [PY, "-m", "crm_sync", "worker"], env)
    group.start("analytics-worker", [PY, "-m", "crm_analytics", "worker"], env)
    group.start("sync-scheduler", [PY, "-m", "crm_sync", "scheduler"], env)
    group.start("analytics-scheduler", [PY, "-m", "crm_analytics", "scheduler"], env)
    start_gateway(group, config.gateway_port, env)

    if scenario is not None:
        _send_initial_messages(env, scenario)
    return RunningStack(
        graphql_url=f"http://127.0.0.1:{config.gateway_port}/graphql",
        api_key=api_key,
        organization_id=str(scenario["organization"]["id"]) if scenario is not None else None,
        app_ids=[a["id"] for a in scenario["apps"]] if scenario is not None else [],
        env=env,
        group=group,
        data_dir=data_dir,
        env_file=env_file,
    )
