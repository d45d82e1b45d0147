"""2026-07 roots: ``events`` (historical partner events) and ``activeSubscription``.

``events`` rules (Partner API 2026-07 docs): ``shopId`` needs ``subjectId``; ids
are ``gid://shopify/App/N`` / ``gid://shopify/Shop/N``; no bounds → the last 30
days; only ``occurredAtMin`` → up to min(min + 30 days, now); only
``occurredAtMax`` → from max − 30 days; a range over 365 days is an error;
``first``/``last`` ≤ 250; ``orderBy`` OCCURRED_AT_DESC (default) or ASC.
"""

from __future__ import annotations

import re
from typing import Any

from graphql import GraphQLError, GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema

from crm_shared.clock import parse_iso
from partner_sim.active_subscription import resolve_active_subscription
from partner_sim.context import ctx
from partner_sim.cursors import CursorError, encode_cursor, filter_hash
from partner_sim.gc_pause import gc_paused
from partner_sim.ordered_index import OrderedIndex
from partner_sim.pagination import PagingError, paginate
from partner_sim.partner_events import PartnerEventBuilder, PartnerEventRecord
from partner_sim.store import Store

DAY = 86400
MAX_PAGE = 250
MAX_RANGE_DAYS = 365
DEFAULT_RANGE_DAYS = 30
_SHOPIFY_GID = re.compile(r"^gid://shopify/(App|Shop)/(\d+)$")


class PartnerEventIndexes:
    """The derived events newest first — org-wide, per app and per (app, shop) — and, built on
    first use, the same oldest first (keys ``(+ts, +seq)``, same records)."""

    def __init__(self, store: Store) -> None:
        newest_first = PartnerEventBuilder(store).build()
        self.desc: dict[tuple[str, str], OrderedIndex[PartnerEventRecord]] = {}
        self._asc: dict[tuple[str, str], OrderedIndex[PartnerEventRecord]] = {}
        org: OrderedIndex[PartnerEventRecord] = OrderedIndex()
        org.keys, org.items = newest_first.keys, newest_first.items
        self.desc[("", "")] = org
        for rec in newest_first.items:  # already in order: plain appends keep every scope sorted
            for scope in ((rec.app_id, ""), (rec.app_id, rec.shop_id or "")):
                idx = self.desc.get(scope)
                if idx is None:
                    idx = self.desc[scope] = OrderedIndex()
                idx.keys.append(rec.key)
                idx.items.append(rec)

    def index(self, scope: tuple[str, str], ascending: bool) -> OrderedIndex[PartnerEventRecord] | None:
        """The index of a scope in the requested order."""
        desc = self.desc.get(scope)
        if desc is None or not ascending:
            return desc
        asc = self._asc.get(scope)
        if asc is None:
            asc = self._asc[scope] = OrderedIndex()
            asc.items = desc.items[::-1]
            asc.keys = [(-a, -b) for a, b in reversed(desc.keys)]
        return asc


def indexes_for(store: Store) -> PartnerEventIndexes:
    """Cached derived indexes, rebuilt after any runtime change to the store."""
    cached = store.derived_cache.get("partner_events")
    if cached is None or cached[0] != store.generation:
        with gc_paused():
            cached = (store.generation, PartnerEventIndexes(store))
        store.derived_cache["partner_events"] = cached
    return cached[1]  # type: ignore[no-any-return]


def _partners_gid(value: str | None, kind: str, arg: str) -> str | None:
    if value is None:
        return None
    m = _SHOPIFY_GID.match(value)
    if m is None or m.group(1) != kind:
        raise GraphQLError(f"Invalid {arg}: expected a gid://shopify/{kind}/<id> global id, got '{value}'")
    return f"gid://partners/{kind}/{m.group(2)}"


def _window(flt: dict[str, Any], now_ts: int) -> tuple[int, int]:
    lo_raw, hi_raw = flt.get("occurredAtMin"), flt.get("occurredAtMax")
    try:
        lo = int(parse_iso(lo_raw).timestamp()) if lo_raw else None
        hi = int(parse_iso(hi_raw).timestamp()) if hi_raw else None
    except ValueError as exc:
        raise GraphQLError(f"Invalid DateTime in filter: {exc}") from exc
    if lo is None and hi is None:
        return now_ts - DEFAULT_RANGE_DAYS * DAY, now_ts
    if hi is None:
        assert lo is not None
        return lo, min(lo + DEFAULT_RANGE_DAYS * DAY, now_ts)
    if lo is None:
        return hi - DEFAULT_RANGE_DAYS * DAY, hi
    if hi - lo > MAX_RANGE_DAYS * DAY:
        raise GraphQLError(f"The occurredAt range cannot be longer than {MAX_RANGE_DAYS} days")
    if hi < lo:
        raise GraphQLError("occurredAtMin must be before occurredAtMax")
    return lo, hi


def resolve_events(_root: Any, info: GraphQLResolveInfo, **kwargs: Any) -> dict[str, Any]:
    """Root ``events`` of 2026-07."""
    for name in ("first", "last"):
        value = kwargs.get(name)
        if value is not None and value > MAX_PAGE:
            raise GraphQLError(f"'{name}' cannot be greater than {MAX_PAGE}")
    flt: dict[str, Any] = kwargs.get("filter") or {}
    context = ctx(info)
    store = context.store
    app_id = _partners_gid(flt.get("subjectId"), "App", "subjectId")
    shop_id = _partners_gid(flt.get("shopId"), "Shop", "shopId")
    if shop_id is not None and app_id is None:
        raise GraphQLError("The shopId filter requires subjectId")
    lo, hi = _window(flt, int(context.now().timestamp()))
    order = kwargs.get("orderBy") or "OCCURRED_AT_DESC"
    types = flt.get("eventTypes")
    fhash = filter_hash({"order": order, "app": app_id, "shop": shop_id, "types": types, "lo": lo, "hi": hi,
                         "subjectType": flt.get("subjectType")})
    empty = {"edges": [], "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "startCursor": None,
                                       "endCursor": None}}
    if flt.get("subjectType") == "THEME" or (app_id is not None and app_id not in store.apps):
        return empty
    indexes = indexes_for(store)
    scope = (app_id or "", shop_id or "")
    ascending = order == "OCCURRED_AT_ASC"
    index = indexes.index(scope, ascending)
    if index is None:
        return empty
    window = index.window_ascending(lo, hi) if ascending else index.window(hi, lo)
    type_set = frozenset(types) if types else None

    def keep(rec: PartnerEventRecord) -> bool:
        return Store.visible(rec) and (type_set is None or rec.event_type in type_set)  # type: ignore[arg-type]

    try:
        page = paginate(index, lo=window[0], hi=window[1], keep=keep, first=kwargs.get("first"),
                        after=kwargs.get("after"), last=kwargs.get("last"), before=kwargs.get("before"),
                        fhash=fhash, page_max=MAX_PAGE)
    except (CursorError, PagingError) as exc:
        raise GraphQLError(str(exc)) from exc
    edges = [{"cursor": encode_cursor((-r.key[0], -r.key[1]) if ascending else r.key, fhash), "node": r.node}
             for r in page.records]
    return {"edges": edges, "pageInfo": {
        "hasNextPage": page.has_next, "hasPreviousPage": page.has_previous,
        "startCursor": edges[0]["cursor"] if edges else None, "endCursor": edges[-1]["cursor"] if edges else None}}


def resolve_trial_days_remaining(plan: dict[str, Any], info: GraphQLResolveInfo) -> int | None:
    """Whole days left in the trial as of the simulator's clock (0 when none)."""
    trial_end = plan.get("_trialEnd")
    if trial_end is None:
        return 0
    left = trial_end - int(ctx(info).now().timestamp())
    return max(0, -(-left // DAY))


def attach_2026_resolvers(schema: GraphQLSchema) -> None:
    """Wire the 2026-07 roots into a schema built with the additions."""
    query = schema.query_type
    assert query is not None
    query.fields["events"].resolve = resolve_events
    query.fields["activeSubscription"].resolve = resolve_active_subscription
    plan = schema.get_type("Plan")
    assert isinstance(plan, GraphQLObjectType)
    plan.fields["trialDaysRemaining"].resolve = resolve_trial_days_remaining
