"""`App.analytics` and `App.mrrSeries` from `app_metrics` snapshots and `app_summaries`."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bson import Decimal128

from crm_gateway.graphql.enums import CustomerStatus, Interval, MrrMovementKind
from crm_gateway.graphql.resolvers.analytics_series import new_customers_since, today_and_week_starts
from crm_gateway.graphql.types.app_analytics import (
    AppAnalytics,
    CurrencyRatio,
    DailyAcquisition,
    MrrMovement,
    StatusCount,
)
from crm_gateway.graphql.types.money import money
from crm_gateway.graphql.types.mrr_point import MrrPoint
from crm_gateway.money import format_money, to_decimal
from crm_shared.errors import UserInputError
from crm_shared.store import app_metrics, app_summaries, customers
from crm_shared.store.app_metrics import MetricsDoc

if TYPE_CHECKING:
    from crm_gateway.context import GatewayContext

MOVEMENT_KEYS = ("new", "expansion", "contraction", "churn", "reactivation")
MAX_POINTS = 1000


def resolve_range(now: datetime, start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """The [from, to] range (default the last 30 days); inverted ranges are bad input."""
    end = _utc(end) if end else now
    start = _utc(start) if start else end - timedelta(days=30)
    if start > end:
        raise UserInputError("from must not be after to")
    return start, end


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _day(value: datetime) -> datetime:
    return value.replace(hour=0, minute=0, second=0, microsecond=0)


async def _snapshots(ctx: GatewayContext, app_id: str, start: datetime, end: datetime) -> list[MetricsDoc]:
    return await app_metrics.between(ctx.db, app_id, _day(start), end)


def jsonable(value: Any) -> Any:
    """Stored summary data as plain JSON: money as exact decimal strings, times as ISO-8601."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal128 | Decimal):
        return str(to_decimal(value))
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _ratio(num: Decimal, base: Decimal) -> float | None:
    return float(num / base) if base else None


async def app_analytics(ctx: GatewayContext, app_id: str, start_in: datetime | None,
                        end_in: datetime | None) -> AppAnalytics:
    """Analytics over the range, per currency for money."""
    start, end = resolve_range(ctx.now, start_in, end_in)
    snaps = await _snapshots(ctx, app_id, start, end)
    by_cur: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in snaps:
        by_cur[s["currency"]].append(s)
    currencies = sorted(by_cur)
    last = {c: by_cur[c][-1] for c in currencies}
    first_day = {c: _day(start) for c in currencies}
    prior = {c: await app_metrics.last_before(ctx.db, app_id, c, first_day[c]) for c in currencies}

    def total(key: str, rows: list[dict[str, Any]]) -> int:
        return sum(int(r.get(key) or 0) for r in rows)

    moves: dict[str, dict[str, Decimal]] = {
        c: {k: sum((to_decimal((r.get("movements") or {}).get(k)) for r in by_cur[c]), Decimal(0))
            for k in MOVEMENT_KEYS}
        for c in currencies
    }
    active_end = sum(int(last[c].get("active_customers") or 0) for c in currencies)
    active_start = sum(int((prior[c] or {}).get("active_customers") or 0) for c in currencies)
    today, week_start = today_and_week_starts(ctx.now)
    new = total("new_customers", snaps)
    reactivated = total("reactivated_customers", snaps)
    churned = total("churned_customers", snaps)
    nrr, grr = [], []
    for c in currencies:
        base = to_decimal((prior[c] or {}).get("total_mrr"))
        m = moves[c]
        nrr.append(CurrencyRatio(currency_code=c, value=_ratio(base + m["expansion"] + m["contraction"] + m["churn"],
                                                               base)))
        grr.append(CurrencyRatio(currency_code=c, value=_ratio(base + m["contraction"] + m["churn"], base)))
    per_day: dict[datetime, list[int]] = defaultdict(lambda: [0, 0])
    for s in snaps:
        per_day[s["date"]][0] += int(s.get("installs") or 0)
        per_day[s["date"]][1] += int(s.get("new_customers") or 0)
    summary = await app_summaries.load(ctx.db, app_id) or {}
    return AppAnalytics(
        range_from=start,
        range_to=end,
        total_mrr=[money(last[c].get("total_mrr"), c) for c in currencies],
        average_mrr=[
            money(to_decimal(last[c].get("total_mrr")) / int(last[c]["active_customers"])
                  if last[c].get("active_customers") else 0, c)
            for c in currencies
        ],
        active_customers=active_end,
        trial_customers=sum(int(last[c].get("trial_customers") or 0) for c in currencies),
        new_customers=new,
        new_customers_today=await new_customers_since(ctx, app_id, today),
        new_customers_this_week=await new_customers_since(ctx, app_id, week_start),
        churned_customers=churned,
        reactivated_customers=reactivated,
        installs=total("installs", snaps),
        uninstalls=total("uninstalls", snaps),
        movements=[MrrMovement(kind=MrrMovementKind(k.upper()), amount=money(moves[c][k], c))
                   for c in currencies for k in MOVEMENT_KEYS],
        expansion_revenue=[money(moves[c]["expansion"], c) for c in currencies],
        growth_rate=(active_end - active_start) / active_start if active_start else None,
        logo_retention_rate=(active_end - new - reactivated) / active_start if active_start else None,
        reactivation_rate=reactivated / churned if churned else None,
        net_revenue_retention=nrr,
        gross_revenue_retention=grr,
        average_lifetime_days=await _average_lifetime(ctx, app_id, summary),
        acquisition=[DailyAcquisition(date=d.date(), installs=v[0], new_customers=v[1])
                     for d, v in sorted(per_day.items())],
        status_counts=await _status_counts(ctx, app_id),
        cohorts=jsonable(summary.get("cohorts")),
        app_id=app_id,
        summary_doc=summary,
    )


async def _average_lifetime(ctx: GatewayContext, app_id: str, summary: dict[str, Any]) -> float | None:
    stored = summary.get("average_lifetime_days")
    if stored is not None:
        return float(stored)
    return await customers.average_days_as_customer(ctx.db, app_id)


async def _status_counts(ctx: GatewayContext, app_id: str) -> list[StatusCount]:
    from crm_gateway.customer_listing import status_counts

    counts = await status_counts(ctx.db, app_id, ctx.now, ctx.list_index)
    return [StatusCount(status=s, count=counts.get(s.value, 0)) for s in CustomerStatus]


def _bucket(day: datetime, interval: Interval) -> datetime:
    if interval is Interval.WEEK:
        return day - timedelta(days=day.weekday())
    if interval is Interval.MONTH:
        return day.replace(day=1)
    return day


async def mrr_series(ctx: GatewayContext, app_id: str, start_in: datetime | None, end_in: datetime | None,
                     interval: Interval) -> list[MrrPoint]:
    """Total MRR per currency at the end of each bucket, annotated with the bucket's movements."""
    start, end = resolve_range(ctx.now, start_in, end_in)
    span = (end - start).days + 1
    per = {Interval.DAY: 1, Interval.WEEK: 7, Interval.MONTH: 28}[interval]
    if span / per > MAX_POINTS:
        raise UserInputError(f"range too long for interval {interval.value}: at most {MAX_POINTS} points")
    buckets: dict[tuple[datetime, str], dict[str, Any]] = {}
    for s in await _snapshots(ctx, app_id, start, end):
        key = (_bucket(_day(s["date"]), interval), s["currency"])
        b = buckets.setdefault(key, {"last": s, "moves": defaultdict(Decimal)})
        b["last"] = s
        for k in MOVEMENT_KEYS:
            b["moves"][k] += to_decimal((s.get("movements") or {}).get(k))
    points = []
    for (_, currency), b in sorted(buckets.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        moves = b["moves"]
        parts = [f"{k} {'+' if moves[k] >= 0 else ''}{format_money(moves[k])}" for k in MOVEMENT_KEYS if moves[k]]
        points.append(MrrPoint(at=b["last"]["date"], mrr=money(b["last"].get("total_mrr"), currency),
                               annotation=", ".join(parts) or None))
    return points
