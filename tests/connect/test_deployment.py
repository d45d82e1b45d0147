"""The Docker deployment as files: the compose file's structure (docker-compose itself may be absent), images
built from the runtime requirements only (no test tools), worker healthchecks on heartbeats, the `crm` command
in every image."""

from __future__ import annotations

import ast
import re
import tomllib
from importlib import metadata
from pathlib import Path

import yaml

ROOT = Path(__file__).parents[2]
COMPOSE = ROOT / "docker-compose.yml"
TEST_TOOLS = {"pytest", "pytest-asyncio", "pytest-timeout", "hypothesis", "hypothesis-graphql", "selenium",
              "secantusdb", "pyyaml"}
SERVICE_IMAGES = {"gateway": "services/gateway", "sync-worker": "services/sync-worker",
                  "analytics-worker": "services/analytics-worker"}


def requirement_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-r"):
            names.add(re.split(r"[\[=<>~! ]", line, maxsplit=1)[0].lower().replace("_", "-"))
    return names


def test_compose_file_has_the_production_structure() -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    assert set(services) == {"mongo", "redis", "gateway", "sync-worker", "sync-scheduler", "analytics-worker",
                             "analytics-scheduler"}
    env = compose["x-crm-env"]
    assert env["CRM_ENV"] == "production" and env["CRM_SECRET_KEY"] == "${CRM_SECRET_KEY:-}"
    for name, service in services.items():
        assert "healthcheck" in service and service["healthcheck"]["test"][0] == "CMD", name
        if "build" in service:
            assert (ROOT / service["build"]["dockerfile"]).is_file(), name
            assert service["environment"]["CRM_SECRET_KEY"] == "${CRM_SECRET_KEY:-}", name
            assert all(c["condition"] == "service_healthy" for c in service["depends_on"].values()), name
    assert services["gateway"]["ports"] == ["${GATEWAY_PORT:-8000}:8000"]
    assert services["gateway"]["environment"]["CRM_CORS_ORIGINS"] == "${CRM_CORS_ORIGINS:-}"


def test_worker_healthchecks_prove_consumption_with_a_heartbeat() -> None:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    for name, queue in (("sync-worker", "sync"), ("analytics-worker", "analytics")):
        test = services[name]["healthcheck"]["test"]
        assert test[1:5] == ["python", "-m", "crm_shared.heartbeat", queue], name
        assert "ping()" not in " ".join(test)


def test_compose_file_documents_the_registration_step() -> None:
    text = COMPOSE.read_text()
    assert "docker compose run --rm gateway crm org connect --org <ORG_ID>" in text
    assert "crm keys create --org <ORG_ID>" in text and "crm secrets new-key" in text


def test_images_install_the_runtime_requirements_only_and_no_test_tools() -> None:
    runtime = requirement_names(ROOT / "requirements-runtime.txt")
    assert runtime and not runtime & TEST_TOOLS
    dev = (ROOT / "requirements.txt").read_text()
    assert "-r requirements-runtime.txt" in dev and TEST_TOOLS <= requirement_names(ROOT / "requirements.txt")
    for image, path in SERVICE_IMAGES.items():
        dockerfile = (ROOT / f"deploy/docker/{image}.Dockerfile").read_text()
        assert "pip install -r /app/requirements-runtime.txt" in dockerfile, image
        assert "requirements.txt" not in dockerfile.replace("requirements-runtime.txt", ""), image
        copied = set(re.findall(r"^COPY (\S+)", dockerfile, re.M))
        console = {"web/package.json", "web", "--from=console"} if image == "gateway" else set()
        assert copied <= {"requirements-runtime.txt", "shared", path} | console, (image, copied)
        assert "tests" not in dockerfile and "pytest" not in dockerfile


def _runtime_closure() -> set[str]:
    """Every distribution the runtime requirements install (with their own dependencies)."""
    seen: set[str] = set()
    todo = list(requirement_names(ROOT / "requirements-runtime.txt"))
    while todo:
        name = todo.pop().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for req in requires:
            if "extra ==" in req and "redis" not in req and "httpx" not in req:
                continue
            todo.append(re.split(r"[\[=<>~!; (]", req, maxsplit=1)[0].lower())
    return seen


def test_every_third_party_import_of_the_services_is_installed_by_the_runtime_requirements() -> None:
    installed = _runtime_closure()
    providers = metadata.packages_distributions()
    missing = set()
    for folder in ("shared", *SERVICE_IMAGES.values()):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                modules = ([a.name for a in node.names] if isinstance(node, ast.Import)
                           else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                           else [])
                for module in modules:
                    top = module.split(".")[0]
                    if top.startswith("crm_") or top in __import__("sys").stdlib_module_names:
                        continue
                    dists = {d.lower().replace("_", "-") for d in providers.get(top, [])}
                    if dists and not dists & installed:
                        missing.add((top, path.relative_to(ROOT).as_posix()))
    assert missing == set()


def test_the_crm_command_is_in_every_image() -> None:
    pyproject = tomllib.loads((ROOT / "shared/pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["crm"] == "crm_shared.cli:main"
    assert "cryptography==50.0.2" in pyproject["project"]["dependencies"]
    for image in SERVICE_IMAGES:
        assert "COPY shared /app/shared" in (ROOT / f"deploy/docker/{image}.Dockerfile").read_text()


def test_the_gateway_image_serves_a_built_console_when_there_is_one() -> None:
    dockerfile = (ROOT / "deploy/docker/gateway.Dockerfile").read_text()
    assert "FROM node:20-bookworm-slim AS console" in dockerfile and "RUN npm run build" in dockerfile
    assert "COPY --from=console /web/dist /app/web" in dockerfile and "CRM_WEB_DIST=/app/web" in dockerfile
    assert "web/node_modules" in (ROOT / ".dockerignore").read_text()
