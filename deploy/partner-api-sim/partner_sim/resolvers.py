"""Resolvers for the 2025-07 query roots the CRM uses: ``app``, ``App.events``,
``transactions``, ``transaction`` and ``publicApiVersions``."""

from __future__ import annotations

import re
from typing import Any

from graphql import GraphQLError, GraphQLNamedType, GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema, get_named_type

from crm_shared.clock import parse_iso
from partner_sim.context import ctx
from partner_sim.cursors import CursorError, filter_hash
from partner_sim.historical_events import attach_2026_resolvers
from partner_sim.ordered_index import OrderedIndex
from partner_sim.pagination import PagingError, connection, paginate
from partner_sim.store import Store, StoredEvent, StoredTransaction

TRANSACTION_TYPENAMES: dict[str, str] = {
    "APP_ONE_TIME_SALE": "AppOneTimeSale",
    "APP_SUBSCRIPTION_SALE": "AppSubscriptionSale",
    "APP_USAGE_SALE": "AppUsageSale",
    "APP_SALE_CREDIT": "AppSaleCredit",
    "APP_SALE_ADJUSTMENT": "AppSaleAdjustment",
    "SERVICE_SALE": "ServiceSale",
    "SERVICE_SALE_ADJUSTMENT": "ServiceSaleAdjustment",
    "THEME_SALE": "ThemeSale",
    "THEME_SALE_ADJUSTMENT": "ThemeSaleAdjustment",
    "REFERRAL": "ReferralTransaction",
    "REFERRAL_ADJUSTMENT": "ReferralAdjustment",
    "TAX": "TaxTransaction",
    "LEGACY": "LegacyTransaction",
}
_GID = re.compile(r"^gid://[a-z]+/[A-Za-z]+/\d+$")


PERMISSION_NAMES = {"MANAGE_APPS": "Manage apps", "VIEW_FINANCIALS": "View financials"}


def require(info: GraphQLResolveInfo, permission: str) -> None:
    """An ACCESS_DENIED error (worded like Shopify's) when the client lacks `permission`."""
    if permission not in ctx(info).permissions:
        raise GraphQLError(f"Access denied for {info.field_name} field. Required access: "
                           f"`{PERMISSION_NAMES[permission]}` permission.", extensions={"code": "ACCESS_DENIED"})


def _time_arg(kwargs: dict[str, Any], name: str) -> int | None:
    value = kwargs.get(name)
    if value is None:
        return None
    try:
        return int(parse_iso(str(value)).timestamp())
    except ValueError as exc:
        raise GraphQLError(f"Argument '{name}' is not a valid DateTime: {value!r}") from exc


def _check_gid(name: str, kwargs: dict[str, Any]) -> None:
    if name in kwargs and (kwargs[name] is None or not _GID.match(str(kwargs[name]))):
        raise GraphQLError(f"Invalid GID '{kwargs[name] or ''}'")


def _page(index: OrderedIndex[Any] | None, kwargs: dict[str, Any], keep: Any, fhash: str,
          info: GraphQLResolveInfo, newest: int | None, oldest: int | None) -> dict[str, Any]:
    if index is None:
        index = OrderedIndex()
    lo, hi = index.window(newest, oldest)
    try:
        page = paginate(
            index, lo=lo, hi=hi, keep=keep, first=kwargs.get("first"), after=kwargs.get("after"),
            last=kwargs.get("last"), before=kwargs.get("before"), fhash=fhash, page_max=ctx(info).config.page_max,
        )
    except (CursorError, PagingError) as exc:
        raise GraphQLError(str(exc)) from exc
    return connection(page, fhash)


# ---- QueryRoot.app and App.events ------------------------------------------
def resolve_app(_root: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any] | None:  # noqa: A002
    """An app of the organization; unknown or foreign ids are null (HTTP 200)."""
    require(info, "MANAGE_APPS")
    return ctx(info).store.app(id)


def resolve_app_events(app: dict[str, Any], info: GraphQLResolveInfo, **kwargs: Any) -> dict[str, Any]:
    """``App.events``: newest first, filtered, paged with filter-bound cursors."""
    store = ctx(info).store
    app_id = app["id"]
    types = kwargs.get("types")
    shop_id, charge_id = kwargs.get("shopId"), kwargs.get("chargeId")
    newest, oldest = _time_arg(kwargs, "occurredAtMax"), _time_arg(kwargs, "occurredAtMin")
    fhash = filter_hash({"app": app_id, "types": types, "shopId": shop_id, "chargeId": charge_id,
                         "min": kwargs.get("occurredAtMin"), "max": kwargs.get("occurredAtMax")})
    if shop_id is not None:
        index = store.events_by_shop.get((app_id, shop_id))
    elif charge_id is not None:
        index = store.events_by_charge.get((app_id, charge_id))
    else:
        index = store.events_by_app.get(app_id)
    type_set = frozenset(types) if types else None

    def keep(ev: StoredEvent) -> bool:
        return (
            Store.visible(ev)
            and (type_set is None or ev.type in type_set)
            and (charge_id is None or ev.charge_id == charge_id)
        )

    return _page(index, kwargs, keep, fhash, info, newest, oldest)


# ---- transactions ----------------------------------------------------------
def resolve_transactions(_root: Any, info: GraphQLResolveInfo, **kwargs: Any) -> dict[str, Any]:
    """``transactions``: every filter of the real API; newest ``createdAt`` first."""
    require(info, "VIEW_FINANCIALS")
    _check_gid("appId", kwargs)
    _check_gid("shopId", kwargs)
    store = ctx(info).store
    app_id, shop_id, domain = kwargs.get("appId"), kwargs.get("shopId"), kwargs.get("myshopifyDomain")
    types = kwargs.get("types")
    newest, oldest = _time_arg(kwargs, "createdAtMax"), _time_arg(kwargs, "createdAtMin")
    fhash = filter_hash({"app": app_id, "shop": shop_id, "domain": domain, "types": types,
                         "min": kwargs.get("createdAtMin"), "max": kwargs.get("createdAtMax")})
    index: OrderedIndex[StoredTransaction] | None
    if shop_id is not None:
        index = store.txns_by_shop.get(shop_id)
    elif domain is not None:
        index = store.txns_by_domain.get(domain)
    elif app_id is not None:
        index = store.txns_by_app.get(app_id)
    else:
        index = store.txns_all
    typenames = frozenset(TRANSACTION_TYPENAMES[t] for t in types) if types else None
    org_apps = store.apps

    def keep(tx: StoredTransaction) -> bool:
        return (
            Store.visible(tx)
            and (tx.app_id is None or tx.app_id in org_apps)
            and (app_id is None or tx.app_id == app_id)
            and (domain is None or tx.domain == domain)
            and (typenames is None or tx.typename in typenames)
        )

    return _page(index, kwargs, keep, fhash, info, newest, oldest)


def resolve_transaction(_root: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any] | None:  # noqa: A002
    """One transaction by gid (its current version), or null."""
    require(info, "VIEW_FINANCIALS")
    tx = ctx(info).store.txn_by_id.get(id)
    if tx is None or not Store.visible(tx) or (tx.app_id is not None and tx.app_id not in ctx(info).store.apps):
        return None
    return tx.node


def resolve_public_api_versions(_root: Any, info: GraphQLResolveInfo) -> list[dict[str, Any]]:
    """The configured versions, all supported; the newest is labelled "(Latest)"."""
    versions = sorted(ctx(info).config.versions)
    return [
        {"handle": v, "displayName": f"{v} (Latest)" if v == versions[-1] else v, "supported": True}
        for v in versions
    ]


def resolve_node_app(node: dict[str, Any], info: GraphQLResolveInfo) -> dict[str, Any] | None:
    """The full ``App`` behind a node's ``app: {id}`` reference."""
    ref = node.get("app")
    if ref is None:
        return None
    return ctx(info).store.apps.get(ref.get("id")) or ref


def attach_resolvers(schema: GraphQLSchema) -> None:
    """Wire the resolvers into a freshly built schema (2025-07 roots, plus 2026-07 when present)."""
    query = schema.query_type
    assert query is not None
    query.fields["app"].resolve = resolve_app
    query.fields["transactions"].resolve = resolve_transactions
    query.fields["transaction"].resolve = resolve_transaction
    query.fields["publicApiVersions"].resolve = resolve_public_api_versions
    app_type = schema.get_type("App")
    assert isinstance(app_type, GraphQLObjectType)
    app_type.fields["events"].resolve = resolve_app_events
    for named in schema.type_map.values():
        _attach_app_refs(named, query)
    if "events" in query.fields:
        attach_2026_resolvers(schema)


def _attach_app_refs(named: GraphQLNamedType, query: GraphQLObjectType) -> None:
    if not isinstance(named, GraphQLObjectType) or named is query or named.name.startswith("__"):
        return
    field = named.fields.get("app")
    if field is not None and get_named_type(field.type).name == "App":
        field.resolve = resolve_node_app
