"""Pre-built segments' live thresholds and their definitions in words, from the app summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crm_gateway.graphql.types.money import money
from crm_gateway.graphql.types.segment_threshold import SegmentThreshold
from crm_gateway.money import format_money
from crm_shared.store import app_summaries
from crm_shared.store.app_summaries import SummaryDoc

if TYPE_CHECKING:
    from crm_gateway.context import GatewayContext

_CACHE_ATTR = "_app_summaries"


async def app_summary(ctx: GatewayContext, app_id: str) -> SummaryDoc:
    """The app's summary document, read once per request."""
    cache: dict[str, SummaryDoc] = ctx.__dict__.setdefault(_CACHE_ATTR, {})
    if app_id not in cache:
        cache[app_id] = await app_summaries.load(ctx.db, app_id) or {}
    return cache[app_id]


def thresholds(key: str, summary: dict[str, Any]) -> list[SegmentThreshold]:
    """VIP: the 80th percentile (floor); GROWTH: the 20th (floor) and 80th (ceiling); others: none."""
    wanted = {"VIP": [(80, "MIN")], "GROWTH": [(20, "MIN"), (80, "MAX")]}.get(key, [])
    out = []
    for currency, p in sorted((summary.get("percentiles") or {}).items()):
        for pct, bound in wanted:
            value = p.get(f"p{pct}")
            if value is None:
                continue
            out.append(SegmentThreshold(currency_code=currency, percentile=pct, mrr=money(value, currency),
                                        inclusive=bound == "MIN", bound=bound,
                                        population=int(p.get("population") or 0)))
    return out


def _amounts(ts: list[SegmentThreshold], pct: int) -> str:
    return " / ".join(f"{t.currency_code} {format_money(t.mrr.amount)}" for t in ts if t.percentile == pct)


def live_definition(key: str, definition: str, summary: dict[str, Any]) -> str:
    """The definition with today's numbers, e.g. "ACTIVE, MRR ≥ USD 49.00 (80th percentile, top 20 %), …"."""
    ts = thresholds(key, summary)
    if key == "VIP" and ts:
        return (f"ACTIVE, MRR ≥ {_amounts(ts, 80)} (80th percentile: top 20 %), a paying customer for more than "
                "180 days, active in the last 30 days.")
    if key == "GROWTH" and ts:
        tops = summary.get("top_plan") or {}
        plans = sorted({p for t in tops.values() for p in t.get("plans") or []})
        top = f" ({', '.join(plans)})" if plans else ""
        return (f"ACTIVE, MRR ≥ {_amounts(ts, 20)} and < {_amounts(ts, 80)} (20th to 80th percentile), active in "
                f"the last 7 days, not on the highest-priced plan{top}.")
    if key in ("VIP", "GROWTH"):
        return definition + " (No percentiles yet: the app has no ACTIVE paying customers, or analytics has not run.)"
    return definition
