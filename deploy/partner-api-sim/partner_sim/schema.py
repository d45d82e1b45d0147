"""Executable Partner API schemas, one per API version, built from the committed SDL.

Versions before 2026-07 serve the 2025-07 SDL (the parts the CRM uses are the
same in every version); 2026-07 and later add ``schema-2026-07-additions.graphql``.
Resolvers are attached in ``partner_sim.resolvers`` and ``partner_sim.historical_events``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from graphql import GraphQLSchema, build_schema

import crm_shared
from partner_sim.config import ADDITIONS_FROM

SCHEMA_DIR = Path(crm_shared.__file__).parent / "partner_schema"


def has_additions(version: str) -> bool:
    """True when ``version`` serves the 2026-07 additions."""
    return version >= ADDITIONS_FROM


@lru_cache(maxsize=2)
def _build(with_additions: bool) -> GraphQLSchema:
    from partner_sim.resolvers import attach_resolvers

    sdl = (SCHEMA_DIR / "schema-2025-07.graphql").read_text(encoding="utf-8")
    if with_additions:
        sdl += "\n" + (SCHEMA_DIR / "schema-2026-07-additions.graphql").read_text(encoding="utf-8")
    schema = build_schema(sdl)
    attach_resolvers(schema)
    return schema


def schema_for(version: str) -> GraphQLSchema:
    """The executable schema served at ``version``."""
    return _build(has_additions(version))
