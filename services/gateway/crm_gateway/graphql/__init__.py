"""The GraphQL schema: one type per file under `types/`, one DataLoader per file under `loaders/`.

Its contract (add, never rename) is pinned by tests/gateway/test_schema_contract.py."""
