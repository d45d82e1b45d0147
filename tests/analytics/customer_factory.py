"""Hand-built customer documents (Python values) for the pure analytics tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def days_ago(days: float, now: datetime = NOW) -> datetime:
    """`now` minus a number of days."""
    return now - timedelta(days=days)


def step(at: datetime, mrr: str | Decimal, currency: str = "USD", annotation: str = "SUBSCRIBED") -> dict[str, Any]:
    """One MRR history step."""
    return {"at": at, "mrr": Decimal(mrr), "currency": currency, "annotation": annotation}


def entry(type_: str, at: datetime, currency: str = "USD") -> dict[str, Any]:
    """One timeline entry."""
    return {"type": type_, "occurred_at": at, "plan": None, "mrr_before": None, "mrr_after": None,
            "currency": currency, "charge_id": None, "detail": None}


def customer(
    shop: int | str,
    *,
    status: str = "ACTIVE",
    mrr: str = "10",
    currency: str = "USD",
    plan: str = "Pro",
    is_test: bool = False,
    customer_since: datetime | None = None,
    last_active_at: datetime | None = None,
    installed_at: datetime | None = None,
    grade: str = "A",
    timeline: list[dict[str, Any]] | None = None,
    mrr_history: list[dict[str, Any]] | None = None,
    trial_ends_at: datetime | None = None,
    days_as_customer: int | None = None,
) -> dict[str, Any]:
    """A customer document with the fields the app-level code reads."""
    installed_at = installed_at or days_ago(400)
    return {
        "_id": f"gid://partners/App/1|gid://partners/Shop/{shop}",
        "app_id": "gid://partners/App/1",
        "shop_id": f"gid://partners/Shop/{shop}",
        "status": status,
        "mrr": Decimal(mrr),
        "paid": Decimal(mrr) > 0,
        "currency": currency,
        "plan": plan,
        "is_test": is_test,
        "customer_since": customer_since,
        "days_as_customer": days_as_customer,
        "last_active_at": last_active_at,
        "installed_at": installed_at,
        "first_installed_at": installed_at,
        "trial_ends_at": trial_ends_at,
        "health": {"score": 90, "grade": grade, "factors": []},
        "timeline": timeline if timeline is not None else [entry("INSTALLED", installed_at, currency)],
        "mrr_history": mrr_history or [],
        "segments": [],
    }
