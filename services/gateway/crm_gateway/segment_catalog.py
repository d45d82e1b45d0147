"""The pre-built segments and their published definitions (DESIGN §3)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class BuiltInSegment:
    """A pre-built segment: key, display name and its definition text."""

    key: str
    name: str
    definition: str


_FALLBACK: tuple[BuiltInSegment, ...] = (
    BuiltInSegment(
        "VIP", "VIP",
        "ACTIVE, MRR at or above the 80th percentile of the app's non-test ACTIVE customers in the same currency "
        "(linear interpolation), a customer for more than 180 days, and active in the last 30 days (the activity "
        "test is skipped for an app that reports no activity).",
    ),
    BuiltInSegment(
        "AT_RISK", "At risk",
        "Installed and any of: FROZEN; a declined, expired or frozen charge in the last 30 days; a downgrade in the "
        "last 60 days; paying but no activity for 14 days; health grade D or F.",
    ),
    BuiltInSegment(
        "GROWTH", "Growth",
        "ACTIVE, MRR at or above the 20th and below the 80th percentile of the app's non-test ACTIVE customers in "
        "the same currency, active in the last 7 days, not on the app's highest-priced plan.",
    ),
    BuiltInSegment("NEW", "New", "Installed now, first installed within the last 30 days."),
)


def built_in_segments() -> tuple[BuiltInSegment, ...]:
    """The four pre-built segments, with the analytics worker's definitions when it publishes them."""
    published: dict[str, str] = {}
    try:
        module = importlib.import_module("crm_shared.analytics")
        candidate = getattr(module, "SEGMENT_DEFINITIONS", None)
        if isinstance(candidate, dict):
            published = {str(k): str(v) for k, v in candidate.items()}
    except ImportError:
        pass
    return tuple(
        BuiltInSegment(s.key, s.name, published.get(s.key, s.definition)) for s in _FALLBACK
    )


def built_in_keys() -> tuple[str, ...]:
    """VIP, AT_RISK, GROWTH, NEW."""
    return tuple(s.key for s in _FALLBACK)
