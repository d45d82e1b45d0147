"""Customer sort fields: the GraphQL enum value → the stored sort key."""

from __future__ import annotations

from dataclasses import dataclass

from crm_shared.errors import UserInputError

SORT_FIELDS: dict[str, str] = {
    "SHOP_NAME": "name_lc",
    "DOMAIN": "domain_lc",
    "EMAIL": "email_lc",
    "STATUS": "status",
    "PLAN": "plan",
    "MRR": "mrr",
    "COUNTRY": "country",
    "INSTALLED_AT": "installed_at",
    "LAST_ACTIVE_AT": "last_active_at",
    "LIFETIME_VALUE": "lifetime_value",
    "LAST_PAID_MRR": "last_paid_mrr",
}
DEFAULT_SORT = ("INSTALLED_AT", "DESC")


@dataclass(frozen=True)
class Sort:
    """A validated sort: the enum name, the stored field and the direction."""

    name: str
    field: str
    ascending: bool


def make_sort(field: str | None, direction: str | None) -> Sort:
    """A `Sort` from enum names (default INSTALLED_AT DESC)."""
    name = field or DEFAULT_SORT[0]
    direction = direction or (DEFAULT_SORT[1] if field is None else "ASC")
    if name not in SORT_FIELDS:
        raise UserInputError(f"unknown sort field {name!r}; expected one of {', '.join(SORT_FIELDS)}")
    if direction not in ("ASC", "DESC"):
        raise UserInputError("sort direction must be ASC or DESC")
    return Sort(name=name, field=SORT_FIELDS[name], ascending=direction == "ASC")
