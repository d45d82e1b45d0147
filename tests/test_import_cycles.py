"""No import cycles between the repository's modules, counting imports made inside functions too (a cycle
broken by a late import is still a cycle in the design)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "crm_shared": ROOT / "shared",
    "crm_sync": ROOT / "services" / "sync-worker",
    "crm_analytics": ROOT / "services" / "analytics-worker",
    "crm_gateway": ROOT / "services" / "gateway",
    "partner_sim": ROOT / "deploy" / "partner-api-sim",
    "crm_devstack": ROOT / "deploy" / "devstack",
}


def module_name(base: Path, path: Path) -> str:
    parts = list(path.relative_to(base).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, modules: set[str]) -> set[str]:
    """The repository modules `path` imports, anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found.update(name for name in names if name in modules)
    return found


def test_no_module_imports_itself_back() -> None:
    files = {module_name(base, path): path
             for package, base in PACKAGES.items() for path in (base / package).rglob("*.py")}
    graph = {name: imports(path, set(files)) - {name} for name, path in files.items()}
    cycles: list[list[str]] = []

    def visit(name: str, stack: list[str], done: set[str]) -> None:
        if name in stack:
            cycles.append(stack[stack.index(name):] + [name])
            return
        if name in done:
            return
        for target in sorted(graph[name]):
            if not target.startswith(name + "."):  # a package importing its own submodules is no cycle
                visit(target, [*stack, name], done)
        done.add(name)

    finished: set[str] = set()
    for module in sorted(graph):
        visit(module, [], finished)
    assert cycles == []
