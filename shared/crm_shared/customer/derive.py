"""`derive_customer`: one ``customers`` document from a shop's raw data, as of ``now``.

Pure: no I/O, no clock.  Reads only the ``node`` of each ``partner_events`` /
``partner_transactions`` document and the ``shop_profiles`` document.  The
result has exactly the fields of the ``customers`` document in
`crm_shared.documents`, with Python types (`Decimal` money, aware UTC
datetimes); store it through `codec.to_mongo`.

Choices where docs/customer-rules.md is silent:
- Events and transactions after ``now`` are ignored (the document is as of ``now``).
- A node that cannot be read raises `crm_shared.errors.MalformedDataError`.
- "Live or last subscription charge" is the most recently activated non-test
  subscription charge; its name, currency, interval and trial give ``plan``,
  ``currency``, ``billing_interval`` and ``trial_ends_at``.
- ``installed_at`` and ``first_installed_at`` are both the first install.
- ``days_as_customer`` counts to now while a charge is live and the app
  installed, else to the moment the last live charge ended (or the uninstall).
- Usage run-rate: usage charges (``USAGE_CHARGE_APPLIED``) of the last 30 days,
  plus ``AppUsageSale``s of the last 30 days whose usage record has no event, in
  the customer's currency.
- ``last_paid_mrr`` (pre-churn MRR): the MRR while paying, else the last
  non-zero step of the MRR history, None when the shop never paid.
- ``lifetime_value`` / ``lifetime_net`` are the totals in the customer's
  currency (0 when none); every currency is in ``lifetime_by_currency``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from crm_shared.customer import vocabulary as v
from crm_shared.customer.clock_changes import next_change_at
from crm_shared.customer.health import PAYMENT_TROUBLE_TYPES, HealthInputs, compute_health
from crm_shared.customer.ledger import Ledger, build_ledger
from crm_shared.customer.lifecycle import Lifecycle
from crm_shared.customer.ordering import EventStream, order_events
from crm_shared.customer.parsing import as_utc
from crm_shared.customer.search import lower_or_none, search_terms
from crm_shared.errors import MalformedDataError
from crm_shared.ids import customer_key

ZERO = v.ZERO
USAGE_WINDOW = timedelta(days=30)
_RELATIONSHIP = frozenset({v.INSTALLED, v.UNINSTALLED, v.STORE_DEACTIVATED, v.STORE_REACTIVATED})
_PLAN_CHANGES = frozenset({v.TL_UPGRADED, v.TL_DOWNGRADED, v.TL_PLAN_CHANGED})


def derive_customer(
    app_id: str,
    shop_id: str,
    events: list[dict[str, Any]],
    transactions: list[dict[str, Any]],
    profile: dict[str, Any] | None,
    now: datetime,
) -> dict[str, Any]:
    """The ``customers`` document of (app, shop) as of ``now`` (see the module docstring)."""
    now = as_utc(now)  # type: ignore[assignment]
    stream = order_events(events, now)
    ledger = build_ledger(transactions, now, stream.test_charge_ids)
    fold = Lifecycle(ledger.sale_interval, _installed_initially(stream), _first_currency(stream))
    try:
        fold.run(stream.events, now)
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise MalformedDataError(f"unreadable Partner API event for {shop_id}: {exc!r}") from exc

    current = fold.current
    live = fold.is_live()
    status = _status(fold, live, now)
    mrr = fold.mrr_at(now)
    currency = current.currency if current is not None else v.DEFAULT_CURRENCY
    trial_ends_at = current.trial_ends_at if current is not None and current.trial else None

    customer_since = fold.customer_since
    days_as_customer: int | None = None
    counting_to_now = False  # days_as_customer grows with the clock
    if customer_since is not None:
        end = now if live and fold.installed else (fold.paying_ended_at or fold.uninstalled_at or now)
        counting_to_now = end is now
        days_as_customer = max(0, (end - customer_since).days)

    profile = profile or {}
    profile_active = as_utc(profile.get("last_active_at"))
    last_active_at = profile_active or _latest(stream.latest_at, ledger.latest_at)
    shop = _newest_shop(stream, ledger)
    name = shop.get("name") or ""
    domain = shop.get("myshopifyDomain") or ""
    email = profile.get("email")

    lifetime = ledger.totals.get(currency)
    usage_run_rate, usage_times = _usage_run_rate(fold.usage, ledger, currency, now)
    signals = _timeline_signals(fold.last_at)

    health = compute_health(
        HealthInputs(
            status=status,
            days_as_customer=days_as_customer,
            last_active_at=last_active_at,
            last_payment_trouble_at=signals[0],
            last_plan_change=signals[1],
            store_closed=fold.store_closed and fold.installed,
            last_store_reopened_at=signals[2],
            reinstalls=fold.reinstalls,
        ),
        now,
    )
    next_change = next_change_at(
        now,
        trial_ends_at=fold.pending_trial_end,
        first_installed_at=fold.first_installed_at,
        installed=fold.installed,
        paying_since=customer_since if counting_to_now else None,
        last_active_at=last_active_at,
        last_payment_trouble_at=signals[0],
        last_plan_change_at=signals[1][1] if signals[1] else None,
        last_store_reopened_at=signals[2],
        usage_times=usage_times,
    )
    return {
        "_id": customer_key(app_id, shop_id),
        "app_id": app_id,
        "shop_id": shop_id,
        "name": name,
        "domain": domain,
        "avatar_url": shop.get("avatarUrl"),
        "email": email,
        "country": profile.get("country"),
        "shopify_plan": profile.get("shopify_plan"),
        "status": status,
        "plan": fold.plan(),
        "paid": mrr > ZERO,
        "mrr": mrr,
        "last_paid_mrr": last_paid_mrr(mrr, fold.mrr_history),
        "currency": currency,
        "billing_interval": current.interval if current is not None else None,
        "billing_interval_inferred": current.interval_inferred if current is not None else False,
        "usage_run_rate": usage_run_rate,
        "installed_at": fold.first_installed_at,
        "uninstalled_at": None if fold.installed else fold.uninstalled_at,
        "trial_ends_at": trial_ends_at,
        "customer_since": customer_since,
        "days_as_customer": days_as_customer,
        "last_active_at": last_active_at,
        "lifetime_value": lifetime[0] if lifetime else ZERO,
        "lifetime_net": lifetime[1] if lifetime else ZERO,
        "lifetime_by_currency": ledger.by_currency(),
        "is_test": bool(stream.test_charge_ids) and not stream.has_live_money_charge,
        "health": health,
        "segments": [],
        "timeline": fold.timeline,
        "mrr_history": fold.mrr_history,
        "charges": [c.as_dict() for c in fold.charges.values()],
        "first_installed_at": fold.first_installed_at,
        "name_lc": name.lower(),
        "domain_lc": domain.lower(),
        "email_lc": lower_or_none(email),
        "search_terms": search_terms(name, domain, email),
        "next_change_at": next_change,
        "computed_at": now,
    }


def last_paid_mrr(mrr: Decimal, history: list[dict[str, Any]]) -> Decimal | None:
    """The MRR just before the customer stopped paying: the current MRR while paying, else the last non-zero
    step of the MRR history (in its currency), None for a shop that never paid."""
    if mrr > ZERO:
        return mrr
    for step in reversed(history):
        if step["mrr"] > ZERO:
            return Decimal(step["mrr"])
    return None


def _status(fold: Lifecycle, live: bool, now: datetime) -> str:
    """CustomerStatus, first match wins (docs/customer-rules.md, Status)."""
    if not fold.installed:
        return v.STATUS_UNINSTALLED
    current = fold.current
    if fold.store_closed or (live and current is not None and current.state == v.FROZEN):
        return v.STATUS_FROZEN
    if live and current is not None:
        if current.trial and current.trial_ends_at is not None and now < current.trial_ends_at:
            return v.STATUS_TRIAL
        return v.STATUS_ACTIVE
    return v.STATUS_CANCELLED if fold.had_subscription else v.STATUS_FREE


def _installed_initially(stream: EventStream) -> bool:
    """A history that does not open with an install began while the app was installed."""
    for ev in stream.events:
        if ev[3] in _RELATIONSHIP:
            return ev[3] != v.INSTALLED
    return bool(stream.events)


def _first_currency(stream: EventStream) -> str:
    """Currency of the first non-test subscription activation: the MRR currency before it."""
    for ev in stream.events:
        if ev[3] == v.SUB_ACTIVATED and not ev[5]["charge"].get("test"):
            amount = ev[5]["charge"].get("amount")
            if amount:
                return str(amount["currencyCode"])
    return v.DEFAULT_CURRENCY


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if a >= b else b


def _newest_shop(stream: EventStream, ledger: Ledger) -> dict[str, Any]:
    """The shop node of the newest event or transaction (names can change; the key is the id)."""
    a, b = stream.latest_shop, ledger.latest_shop
    if a is None:
        return b[1] if b is not None else {}
    if b is None or a[0] >= b[0]:
        return a[1]
    return b[1]


def _usage_run_rate(
    usage_events: list[tuple[datetime, str, Decimal, str]], ledger: Ledger, currency: str, now: datetime
) -> tuple[Decimal, list[datetime]]:
    """Usage of the last 30 days in ``currency``, and the times inside that window."""
    since = now - USAGE_WINDOW
    total = ZERO
    times: list[datetime] = []
    for at, _, amount, cur in usage_events:
        if at > since and cur == currency:
            total += amount
            times.append(at)
    if ledger.usage_sales:
        seen_ids = {cid for _, cid, _, _ in usage_events}
        for at, cid, amount, cur in ledger.usage_sales:
            if at > since and cur == currency and (cid is None or cid not in seen_ids):
                total += amount
                times.append(at)
    return total, times


def _timeline_signals(
    last_at: dict[str, datetime],
) -> tuple[datetime | None, tuple[str, datetime] | None, datetime | None]:
    """(last declined/expired/frozen, last plan change (type, at), last store reopening)."""
    trouble: datetime | None = None
    for type_ in PAYMENT_TROUBLE_TYPES:
        at = last_at.get(type_)
        if at is not None and (trouble is None or at > trouble):
            trouble = at
    latest: tuple[datetime, str] | None = None  # the latest (at, type), ties to the greater type
    for type_ in _PLAN_CHANGES:
        at = last_at.get(type_)
        if at is not None and (latest is None or (at, type_) > latest):
            latest = (at, type_)
    change = (latest[1], latest[0]) if latest is not None else None
    return trouble, change, last_at.get(v.TL_STORE_REOPENED)
