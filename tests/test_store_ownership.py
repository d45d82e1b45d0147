"""One owner per stored collection: only `crm_shared.store` reads or writes MongoDB collections.

Each collection has one module in `shared/crm_shared/store/` holding its typed document and the only functions
that read or write it (`crm_shared/documents.py` lists them).  This test reads the code of the services, of
`crm_shared` outside `store/`, and of the launcher (`deploy/devstack`), and fails on anything that reaches a
collection directly:

- indexing a database by a collection name (``db[CUSTOMERS]``, ``ctx.db["customers"]``, ``self._db()[APPS]``),
- ``db.get_collection(...)`` and the other collection-level calls of a database,
- a collection as an attribute of a database (``db.customers``),
- importing a collection name from `crm_shared.mongo` (only `get_db` / `get_client` are for everyone),
- calling a collection's read or write methods (``.find_one``, ``.bulk_write``, ``.aggregate``, ``.watch`` ...)
  on anything, e.g. a collection kept in a variable.

Pure: it parses files and starts nothing.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STORE = ROOT / "shared" / "crm_shared" / "store"
MONGO = ROOT / "shared" / "crm_shared" / "mongo.py"

#: The code that must go through the store.
SCANNED = [ROOT / "services", ROOT / "shared" / "crm_shared", ROOT / "deploy" / "devstack"]

#: Left out of the scan, with the reason.
EXCLUDED: dict[Path, str] = {
    STORE: "the store itself: the one place that reads and writes the collections",
    ROOT / "deploy" / "partner-api-sim": "the Partner API simulator is a separate program with its own database "
                                          "(it is not scanned at all: only deploy/devstack is)",
    ROOT / "services" / "gateway" / "crm_gateway" / "static": "built web assets, not Python",
}

#: Findings that are allowed, by (file relative to the repository, rule, detail), with the reason.  Every entry
#: must still match a finding, so the list cannot go stale.
ALLOWED: dict[tuple[str, str, str], str] = {}

#: What `crm_shared.mongo` may export to code outside the store (connections, not collections).
MONGO_PUBLIC = frozenset({"get_db", "get_client"})

#: Read and write methods of a pymongo collection.  ``find`` is left out (``str.find``); ``db[...]`` and the
#: imported names catch a `find` on a collection.
COLLECTION_METHODS = frozenset({
    "find_one", "find_one_and_update", "find_one_and_replace", "find_one_and_delete", "find_raw_batches",
    "insert_one", "insert_many", "update_one", "update_many", "replace_one", "delete_one", "delete_many",
    "bulk_write", "count_documents", "estimated_document_count", "aggregate", "aggregate_raw_batches",
    "distinct", "watch", "create_index", "create_indexes", "drop_index", "drop_indexes", "list_indexes",
    "index_information", "create_search_index", "rename",
})
#: Database methods that reach a collection by name.
DATABASE_METHODS = frozenset({"get_collection", "create_collection", "drop_collection", "list_collection_names",
                              "list_collections", "validate_collection"})

#: Names that hold a database: ``db``, ``database``, ``self._db``, ``ctx.db``, ``mongo_db``, ``get_db()``...
DB_NAME = re.compile(r"^_?(db|database|get_db|get_database|mongo_db|\w+_db)$")


def collection_names() -> dict[str, str]:
    """The collection name constants of `crm_shared.mongo`: {constant: collection name}."""
    names = {}
    for node in ast.parse(MONGO.read_text()).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id.isupper() and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)):
            names[node.targets[0].id] = node.value.value
    return names


def _name_of(node: ast.expr) -> str | None:
    """The identifier an expression ends in: ``db`` → db, ``ctx.db`` → db, ``self._db()`` → _db."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _is_database(node: ast.expr) -> bool:
    name = _name_of(node)
    return name is not None and DB_NAME.match(name) is not None


def _slice_text(node: ast.Subscript) -> str:
    return ast.unparse(node.slice)


def store_modules(tree: ast.AST) -> set[str]:
    """The names a file binds to `crm_shared.store` modules (``from crm_shared.store import customers``): their
    functions may share a collection method's name (``customers.watch``)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "crm_shared.store":
            names.update(alias.asname or alias.name for alias in node.names)
    return names


def findings(source: str, collections: dict[str, str] | None = None) -> Iterator[tuple[int, str, str]]:
    """(line, rule, detail) for every direct collection access in `source`."""
    collections = collection_names() if collections is None else collections
    values = set(collections.values())
    tree = ast.parse(source)
    stores = store_modules(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _is_database(node.value):
            yield node.lineno, "db[...]", f"{ast.unparse(node.value)}[{_slice_text(node)}]"
        elif isinstance(node, ast.Attribute) and node.attr in values and _is_database(node.value):
            yield node.lineno, "db.<collection>", ast.unparse(node)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in DATABASE_METHODS:
                yield node.lineno, "database method", node.func.attr
            elif node.func.attr in COLLECTION_METHODS and _name_of(node.func.value) not in stores:
                yield node.lineno, "collection method", node.func.attr
        elif isinstance(node, ast.ImportFrom) and node.module == "crm_shared.mongo":
            for alias in node.names:
                if alias.name not in MONGO_PUBLIC:
                    yield node.lineno, "crm_shared.mongo import", alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "crm_shared.mongo":
                    yield node.lineno, "module import", "import crm_shared.mongo (use `from ... import get_db`)"


def scanned_files() -> Iterator[Path]:
    for base in SCANNED:
        for path in sorted(base.rglob("*.py")):
            if not any(path.is_relative_to(excluded) for excluded in EXCLUDED):
                yield path


def test_only_the_store_reaches_collections() -> None:
    collections = collection_names()
    found: list[str] = []
    used: set[tuple[str, str, str]] = set()
    for path in scanned_files():
        rel = str(path.relative_to(ROOT))
        for line, rule, detail in sorted(findings(path.read_text(), collections)):
            key = (rel, rule, detail)
            if key in ALLOWED:
                used.add(key)
                continue
            found.append(f"{rel}:{line}: {rule}: {detail}")
    assert not found, ("code outside crm_shared/store reaches a MongoDB collection directly; add (or use) a "
                       "function of the collection's store module instead:\n  " + "\n  ".join(found))
    stale = set(ALLOWED) - used
    assert not stale, f"allowed exceptions that no longer match anything (remove them): {sorted(stale)}"


def test_the_scan_covers_the_services() -> None:
    files = {str(p.relative_to(ROOT)) for p in scanned_files()}
    for expected in ("services/gateway/crm_gateway/customer_listing.py",
                     "services/gateway/crm_gateway/list_index/manager.py",
                     "services/sync-worker/crm_sync/store.py",
                     "services/analytics-worker/crm_analytics/raw_data.py",
                     "shared/crm_shared/connections.py",
                     "deploy/devstack/crm_devstack/stack.py"):
        assert expected in files
    assert not any(f.startswith("shared/crm_shared/store/") for f in files)


def test_every_collection_has_one_store_module() -> None:
    """Each collection name of `crm_shared.mongo` is imported by exactly one store module: its owner."""
    owners: dict[str, list[str]] = {name: [] for name in collection_names()}
    for path in sorted(STORE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "crm_shared.mongo":
                for alias in node.names:
                    if alias.name in owners:
                        owners[alias.name].append(path.stem)
    wrong = {name: mods for name, mods in owners.items() if len(mods) != 1}
    assert not wrong, f"collections without exactly one owning module in crm_shared/store: {wrong}"


@pytest.mark.parametrize("source", [
    'db["customers"].find({})',
    "ctx.db[CUSTOMERS].find_one({})",
    "self._db()[APPS].find({})",
    "get_db()[SHOP_PROFILES]",
    "self.db[self.spec.collection]",
    'database.get_collection("signing_keys")',
    "db.customers.find({})",
    "coll.bulk_write(ops)",
    "await coll.watch(full_document='updateLookup')",
    "from crm_shared.mongo import CUSTOMERS",
    "import crm_shared.mongo",
    "from crm_shared.store import customers\nawait other.watch(db)",
])
def test_direct_access_is_found(source: str) -> None:
    assert list(findings(source)), source


@pytest.mark.parametrize("source", [
    "client[settings.mongodb_db]",
    "await customers.by_keys(db, keys)",
    "info.context.loaders.customers.load(key)",
    'await db().command("ping")',
    "from crm_shared.mongo import get_db",
    "text.find('x')",
    "row['_id']",
    "from crm_shared.store import customers\nawait customers.watch(db, None, 200)",
])
def test_store_calls_are_not_findings(source: str) -> None:
    assert not list(findings(source)), source
