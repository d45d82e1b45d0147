"""2026-07 additions: root ``events`` and ``activeSubscription`` (filled in below)."""

from __future__ import annotations

from graphql import GraphQLSchema


def attach_2026_resolvers(schema: GraphQLSchema) -> None:
    """Wire the 2026-07 roots."""
