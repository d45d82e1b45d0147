"""The key metric cards of a customer profile."""

from __future__ import annotations

from typing import Any

import strawberry

from crm_gateway.money import format_money


@strawberry.type(description="A headline number of a customer profile, ready to show.")
class MetricCard:
    key: str = strawberry.field(description="Stable key: mrr, lifetime_value, days_as_customer, health.")
    label: str = strawberry.field(description="Human label.")
    value: str = strawberry.field(description="The value as text (money with currency code).")


def metric_cards(doc: dict[str, Any]) -> list[MetricCard]:
    """The four cards of a profile."""
    currency = doc.get("currency") or "USD"
    health = doc.get("health") or {}
    days = doc.get("days_as_customer")
    return [
        MetricCard(key="mrr", label="MRR", value=f"{format_money(doc.get('mrr'))} {currency}"),
        MetricCard(key="lifetime_value", label="Lifetime value",
                   value=f"{format_money(doc.get('lifetime_value'))} {currency}"),
        MetricCard(key="days_as_customer", label="Customer for",
                   value="not yet paying" if days is None else f"{int(days)} days"),
        MetricCard(key="health", label="Health", value=f"{health.get('grade', 'F')} ({health.get('score', 0)})"),
    ]
