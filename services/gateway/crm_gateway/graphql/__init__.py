"""The GraphQL schema (DESIGN §7): one type per file under `types/`, one DataLoader per file under `loaders/`."""
