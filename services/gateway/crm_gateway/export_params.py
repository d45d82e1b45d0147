"""The CSV export's query parameters: built from GraphQL arguments, parsed back into a list query.

Parameters (all optional but appId): status, plan, country (repeat the
parameter for several values; status and country also accept commas), paid,
mrrMin, mrrMax, installedFrom, installedTo, lastActiveFrom, lastActiveTo
(ISO-8601), segment, includeTest, search, sort (a CustomerSortField),
direction (ASC|DESC), scope (``full`` = every customer of the app, test shops
included, filters and search ignored).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from crm_gateway.customer_listing import ListQuery
from crm_gateway.sorting import make_sort
from crm_shared.clock import to_iso
from crm_shared.errors import UserInputError

if TYPE_CHECKING:
    from crm_gateway.graphql.inputs import CustomerFilterInput, CustomerSortInput

EXPORT_PATH = "export/customers.csv"
_SCALARS = {
    "mrrMin": "mrr_min", "mrrMax": "mrr_max", "lastPaidMrrMin": "last_paid_mrr_min",
    "lastPaidMrrMax": "last_paid_mrr_max", "installedFrom": "installed_from", "installedTo": "installed_to",
    "lastActiveFrom": "last_active_from", "lastActiveTo": "last_active_to", "segment": "segment",
}
_LISTS = {"status": "status", "plan": "plan", "country": "country"}
KNOWN = {"appId", "paid", "includeTest", "search", "sort", "direction", "scope", *_SCALARS, *_LISTS}


def _wire(value: Any) -> str:
    if isinstance(value, datetime):
        return to_iso(value)
    if hasattr(value, "value"):
        return str(value.value)
    return str(value)


def export_url(base_url: str, app_id: str, f: CustomerFilterInput | None, search: str | None,
               sort: CustomerSortInput | None) -> str:
    """The absolute export URL of a list (what `App.customersExportUrl` returns)."""
    from crm_gateway.graphql.inputs import filter_to_dict

    params: list[tuple[str, str]] = [("appId", app_id)]
    d = filter_to_dict(f)
    for name, key in _LISTS.items():
        params += [(name, _wire(v)) for v in d.get(key) or []]
    if d.get("paid") is not None:
        params.append(("paid", "true" if d["paid"] else "false"))
    for name, key in _SCALARS.items():
        if d.get(key) is not None:
            params.append((name, _wire(d[key])))
    if d.get("include_test"):
        params.append(("includeTest", "true"))
    if search:
        params.append(("search", search))
    if sort is not None:
        params += [("sort", sort.field.value), ("direction", sort.direction.value)]
    return base_url.rstrip("/") + "/" + EXPORT_PATH + "?" + urlencode(params)


def _bool(value: str, name: str) -> bool:
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise UserInputError(f"{name} must be true or false")


def parse_export_params(params: QueryParams) -> tuple[ListQuery, bool]:
    """(list query, full scope) of an export request; BAD_USER_INPUT on anything odd."""
    unknown = set(params.keys()) - KNOWN
    if unknown:
        raise UserInputError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    app_id = params.get("appId")
    if not app_id:
        raise UserInputError("appId is required")
    scope = params.get("scope", "filtered")
    if scope not in ("filtered", "full"):
        raise UserInputError("scope must be full or filtered")
    f: dict[str, Any] = {}
    for name, key in _LISTS.items():
        values = params.getlist(name)
        if name != "plan":
            values = [v for raw in values for v in raw.split(",") if v]
        if values:
            f[key] = values
    for name, key in _SCALARS.items():
        if params.get(name):
            f[key] = params[name]
    if params.get("paid"):
        f["paid"] = _bool(params["paid"], "paid")
    if params.get("includeTest") and _bool(params["includeTest"], "includeTest"):
        f["include_test"] = True
    direction = params.get("direction")
    sort = make_sort(params.get("sort"), direction.upper() if direction else None)
    if scope == "full":
        return ListQuery(app_id=app_id, filter={"include_test": True}, search=None, sort=sort), True
    return ListQuery(app_id=app_id, filter=f, search=params.get("search"), sort=sort), False
