"""Chart series and stored figures behind `App.revenueSeries`, `App.acquisitionSeries` and the typed
`AppAnalytics` fields (retention windows, cohort rows, average lifetime within the range, today / this week)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from crm_gateway.graphql.enums import Interval
from crm_gateway.graphql.types.analytics_series import (
    AcquisitionPoint,
    Cohorts,
    CurrencySeries,
    InstallCohortRow,
    MrrMovements,
    PaidCohortRow,
    RetentionWindow,
    RevenuePoint,
)
from crm_gateway.graphql.types.money import money
from crm_gateway.money import to_decimal
from crm_shared.errors import UserInputError
from crm_shared.store import app_metrics, customers
from crm_shared.store.app_metrics import MetricsDoc

if TYPE_CHECKING:
    from crm_gateway.context import GatewayContext

MOVEMENT_KEYS = ("new", "expansion", "contraction", "churn", "reactivation")
COUNT_KEYS = ("installs", "new_customers", "uninstalls", "churned_customers", "reactivated_customers")
MAX_BUCKETS = 1000
RETENTION_DAYS = {"30d": 30, "90d": 90, "365d": 365}
PAYING_STATUSES = ("ACTIVE", "FROZEN")  # days_as_customer still counts to now for them


def day_start(value: datetime) -> datetime:
    return value.replace(hour=0, minute=0, second=0, microsecond=0)


def bucket_start(day: datetime, interval: Interval) -> datetime:
    """The first day of the bucket holding `day`: itself, its ISO week's Monday, or its month's 1st."""
    if interval is Interval.WEEK:
        return day - timedelta(days=day.weekday())
    if interval is Interval.MONTH:
        return day.replace(day=1)
    return day


def check_bucket_count(start: datetime, end: datetime, interval: Interval) -> None:
    span = (end - start).days + 1
    per = {Interval.DAY: 1, Interval.WEEK: 7, Interval.MONTH: 28}[interval]
    if span / per > MAX_BUCKETS:
        raise UserInputError(f"range too long for interval {interval.value}: at most {MAX_BUCKETS} buckets")


async def _snapshots(ctx: GatewayContext, app_id: str, start: datetime, end: datetime) -> list[MetricsDoc]:
    return await app_metrics.between(ctx.db, app_id, day_start(start), end)


def _as_date(value: datetime) -> date:
    return value.date()


async def revenue_series(ctx: GatewayContext, app_id: str, start: datetime, end: datetime,
                         interval: Interval) -> list[CurrencySeries]:
    """Per currency, one point per bucket: MRR and paying customers at its end, its movements."""
    check_bucket_count(start, end, interval)
    buckets: dict[str, dict[datetime, dict[str, Any]]] = defaultdict(dict)
    for s in await _snapshots(ctx, app_id, start, end):
        day = day_start(s["date"])
        key = max(bucket_start(day, interval), day_start(start))
        b = buckets[s["currency"]].setdefault(key, {"last": s, "moves": defaultdict(Decimal)})
        b["last"] = s
        for k in MOVEMENT_KEYS:
            b["moves"][k] += to_decimal((s.get("movements") or {}).get(k))
    out = []
    for currency in sorted(buckets):
        points = []
        for key, b in sorted(buckets[currency].items()):
            m = b["moves"]
            points.append(RevenuePoint(
                start=_as_date(key), end=_as_date(b["last"]["date"]),
                mrr=money(b["last"].get("total_mrr"), currency),
                paying_customers=int(b["last"].get("active_customers") or 0),
                movements=MrrMovements(**{k: money(m[k], currency) for k in MOVEMENT_KEYS},
                                       net=money(sum(m.values(), Decimal(0)), currency)),
            ))
        out.append(CurrencySeries(currency_code=currency, points=points))
    return out


async def acquisition_series(ctx: GatewayContext, app_id: str, start: datetime, end: datetime,
                             interval: Interval) -> list[AcquisitionPoint]:
    """One point per bucket of the range (empty buckets included), counts summed over currencies."""
    check_bucket_count(start, end, interval)
    first, last = day_start(start), day_start(end)
    keys: list[datetime] = []
    day = first
    while day <= last:
        key = max(bucket_start(day, interval), first)
        if not keys or keys[-1] != key:
            keys.append(key)
        day += timedelta(days=1)
    counts: dict[datetime, dict[str, int]] = {k: dict.fromkeys(COUNT_KEYS, 0) for k in keys}
    for s in await _snapshots(ctx, app_id, start, end):
        key = max(bucket_start(day_start(s["date"]), interval), first)
        if key in counts:
            for k in COUNT_KEYS:
                counts[key][k] += int(s.get(k) or 0)
    points = []
    for n, key in enumerate(keys):
        bucket_end = (keys[n + 1] - timedelta(days=1)) if n + 1 < len(keys) else last
        c = counts[key]
        points.append(AcquisitionPoint(start=_as_date(key), end=_as_date(bucket_end), installs=c["installs"],
                                       new_customers=c["new_customers"], uninstalls=c["uninstalls"],
                                       churned_customers=c["churned_customers"],
                                       reactivated_customers=c["reactivated_customers"]))
    return points


async def new_customers_since(ctx: GatewayContext, app_id: str, first_day: datetime) -> int:
    """Shops that first paid from `first_day` (00:00 UTC) to now, whatever range is being looked at."""
    rows = await app_metrics.between(ctx.db, app_id, first_day, ctx.now, {"new_customers": 1})
    return sum(int(r.get("new_customers") or 0) for r in rows)


def today_and_week_starts(now: datetime) -> tuple[datetime, datetime]:
    """00:00 UTC today, and 00:00 UTC of this ISO week's Monday."""
    today = day_start(now)
    return today, today - timedelta(days=today.weekday())


def retention_windows(summary: dict[str, Any]) -> list[RetentionWindow]:
    """The analytics worker's stored 30/90/365-day retention (app_summaries.retention), per currency."""
    out = []
    stored = summary.get("retention") or {}
    for name, days in RETENTION_DAYS.items():
        for currency, r in sorted((stored.get(name) or {}).items()):
            out.append(RetentionWindow(
                days=days, currency_code=currency, start=r.get("start"), end=r.get("end"),
                start_customers=int(r.get("start_customers") or 0),
                retained_customers=int(r.get("retained_customers") or 0),
                logo_retention=r.get("logo_retention"),
                net_revenue_retention=r.get("net_revenue_retention"),
                gross_revenue_retention=r.get("gross_revenue_retention"),
                reactivation_rate=r.get("reactivation_rate"),
                expansion_revenue=money(r.get("expansion_revenue"), currency),
            ))
    return out


def _series(value: Any) -> list[Any]:
    """A stored per-month series; a lone value (documents written before the series existed) is one point."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def cohort_rows(summary: dict[str, Any]) -> Cohorts:
    """app_summaries.cohorts as typed rows."""
    stored = summary.get("cohorts") or {}
    return Cohorts(
        install_month=[
            InstallCohortRow(cohort=str(c["cohort"]), size=int(c.get("size") or 0),
                             ever_paid=int(c.get("ever_paid") or 0),
                             installed=[int(x) for x in _series(c.get("installed"))],
                             paying=[int(x) for x in _series(c.get("paying"))])
            for c in stored.get("install_month") or []
        ],
        first_paid_month=[
            PaidCohortRow(cohort=str(c["cohort"]), currency_code=str(c.get("currency") or "USD"),
                          size=int(c.get("size") or 0), paying=[int(x) for x in _series(c.get("paying"))],
                          mrr=[money(x, c.get("currency")) for x in _series(c.get("mrr"))])
            for c in stored.get("first_paid_month") or []
        ],
    )


async def average_lifetime_in_range(ctx: GatewayContext, app_id: str, start: datetime, end: datetime
                                    ) -> float | None:
    """Mean paying lifetime, in days, of the customers who were paying at some moment of [start, end].

    A customer's paying life runs from `customer_since` to its churn (customer_since + daysAsCustomer for
    one no longer paying) or on; its lifetime here is counted up to the earlier of its churn and the range
    end. None when nobody paid within the range."""
    total, n = 0, 0
    async for c in customers.paying_lives(ctx.db, app_id, end):
        since: datetime = c["customer_since"]
        churn = None
        if not c.get("paid") and c.get("status") not in PAYING_STATUSES:
            churn = since + timedelta(days=int(c.get("days_as_customer") or 0))
            if churn < start:
                continue
        stop = min(end, churn) if churn is not None else end
        total += max(0, (stop - since).days)
        n += 1
    return total / n if n else None
