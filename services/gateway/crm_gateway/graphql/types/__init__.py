"""One GraphQL type per file."""
