"""Customer health: a documented 0–100 score, a grade and each factor's contribution."""

from __future__ import annotations

from typing import Any

import strawberry

from crm_shared.customer.health import HEALTH_FORMULA


@strawberry.type(description="One factor of a health score and what it contributed.")
class HealthFactor:
    name: str = strawberry.field(description="Factor name, e.g. payment state, tenure, activity recency.")
    impact: int = strawberry.field(description="Points this factor adds (positive) or removes (negative).")
    detail: str | None = strawberry.field(description="Why, in words.")


@strawberry.type(description="Customer health. Formula: " + HEALTH_FORMULA)
class Health:
    score: int = strawberry.field(description="0-100, higher is healthier.")
    grade: str = strawberry.field(description="A-F from the score.")
    factors: list[HealthFactor] = strawberry.field(description="Every factor with its contribution.")


def health_from_doc(doc: dict[str, Any] | None) -> Health:
    """A `Health` from the stored `health` sub-document."""
    doc = doc or {}
    factors = [
        HealthFactor(name=str(f.get("name", "")), impact=int(round(float(str(f.get("impact", 0))))),
                     detail=f.get("detail"))
        for f in doc.get("factors") or []
    ]
    return Health(score=int(doc.get("score") or 0), grade=str(doc.get("grade") or "F"), factors=factors)
