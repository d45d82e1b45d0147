"""The pre-built segments and their published definitions (the rules: docs/customer-rules.md, "Segments").

The definitions are the analytics code's own (`crm_shared.analytics.segments`),
so the text the API publishes is the text beside the code that applies it.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm_shared.analytics.segments import BUILT_IN_DEFINITIONS, BUILT_IN_KEYS, BUILT_IN_NAMES


@dataclass(frozen=True)
class BuiltInSegment:
    """A pre-built segment: key, display name and its definition text."""

    key: str
    name: str
    definition: str


BUILT_IN: tuple[BuiltInSegment, ...] = tuple(
    BuiltInSegment(key, BUILT_IN_NAMES[key], BUILT_IN_DEFINITIONS[key]) for key in BUILT_IN_KEYS
)


def built_in_segments() -> tuple[BuiltInSegment, ...]:
    """The four pre-built segments: VIP, AT_RISK, GROWTH, NEW."""
    return BUILT_IN


def built_in_keys() -> tuple[str, ...]:
    """VIP, AT_RISK, GROWTH, NEW."""
    return BUILT_IN_KEYS
