"""The fold: one pass over a shop's ordered events, as of ``now``.

It keeps the relationship (installed, store closed), every subscription
charge's state, the live charge, trials, plan changes, and writes the typed
timeline and the MRR step series as it goes (docs/customer-rules.md).  Choices where the
rules are silent:

- A history that does not start with ``RELATIONSHIP_INSTALLED`` (its first
  relationship event is an uninstall or a store event, or it has none) began
  while the app was installed.
- An activation while another charge is live replaces it and is a plan change
  whether or not a cancel follows within 60 s.  A cancel of the live charge
  followed within 60 s by the activation of another charge is not churn: no
  ``CANCELLED`` entry and no MRR step; the activation carries the change.
- ``SUBSCRIPTION_CHARGE_ACCEPTED`` never undoes an activation; ``FROZEN`` and
  ``UNFROZEN`` only move a charge between active and frozen, so they never
  revive a cancelled or uninstall-ended charge.
- The trial end is processed before events of the same instant (at
  ``trialEndsAt`` the shop is no longer in trial).
- Timeline ``currency`` is the MRR currency after the entry; one-time, usage and
  credit amounts are in ``detail`` with their own currency.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from crm_shared.customer import vocabulary as v
from crm_shared.customer.billing import billing_interval, is_trial_gap, monthly_amount
from crm_shared.customer.charges import LIVE_STATES, Charge, amount_detail, plan_change_detail, plan_change_type
from crm_shared.customer.ordering import OrderedEvent
from crm_shared.customer.parsing import decimal
from crm_shared.customer.vocabulary import ACTIVE, FREE_PLAN, FROZEN, ZERO

_LIVE_STATES = LIVE_STATES


class Lifecycle:
    """Folds ordered events; read the public attributes afterwards."""

    def __init__(self, sale_interval: dict[str, str], installed_initially: bool,
                 initial_currency: str) -> None:
        self.sale_interval = sale_interval
        self.installed = installed_initially
        self.store_closed = False
        self.first_installed_at: datetime | None = None
        self.uninstalled_at: datetime | None = None
        self.charges: dict[str, Charge] = {}
        self.current: Charge | None = None  # most recently activated non-test subscription charge
        self.had_subscription = False
        self.customer_since: datetime | None = None
        self.paying_ended_at: datetime | None = None
        self.timeline: list[dict[str, Any]] = []
        self.mrr_history: list[dict[str, Any]] = []
        self.mrr = ZERO
        self.mrr_currency = initial_currency
        self.usage: list[tuple[datetime, str, Decimal, str]] = []
        self.reinstalls = 0
        self.last_at: dict[str, datetime] = {}  # timeline entry type -> time of its latest entry
        self._trial_due: datetime | None = None
        self._pending_change: tuple[Charge, Decimal, datetime] | None = None
        self._uninstall_cancels: list[Charge] = []  # cancelled within 60 s before the uninstall that follows
        self._events: list[OrderedEvent] = []
        self._index = 0

    # -- state queries -------------------------------------------------------------------
    def is_live(self) -> bool:
        """Whether the most recently activated charge is live (active or frozen, not ended)."""
        c = self.current
        return c is not None and not c.ended and c.state in _LIVE_STATES

    def mrr_at(self, t: datetime) -> Decimal:
        """The MRR the current state implies at ``t`` (0 in trial, frozen, closed, uninstalled, none)."""
        c = self.current
        if c is None or c.ended or c.state != ACTIVE or not self.installed or self.store_closed:
            return ZERO
        if c.trial and c.trial_ends_at is not None and t < c.trial_ends_at:
            return ZERO
        return c.monthly

    @property
    def pending_trial_end(self) -> datetime | None:
        """After `run`: when the live charge's trial will end (and convert), if that is still to come."""
        return self._trial_due if self.is_live() else None

    def plan(self) -> str:
        """Name of the live or last non-test subscription charge, ``Free`` if none."""
        return self.current.name if self.current is not None else FREE_PLAN

    def currency(self) -> str:
        """Currency of the live or last subscription charge (or the initial one)."""
        return self.current.currency if self.current is not None else self.mrr_currency

    # -- driving -------------------------------------------------------------------------
    def run(self, events: list[OrderedEvent], now: datetime) -> None:
        """Fold every event, then let the clock run to ``now``."""
        self._events = events
        handlers = _HANDLERS
        index = 0
        for t, _, cid, type_, _, node in events:
            due = self._trial_due
            if due is not None and due <= t:
                self._end_trial()
            handler = handlers.get(type_)
            if handler is not None:
                self._index = index
                handler(self, t, cid, node)
            index += 1
        if self._trial_due is not None and self._trial_due <= now:
            self._end_trial()
        self._flush_pending()

    def _entry(self, type_: str, t: datetime, before: Decimal, charge_id: str | None = None,
               plan: str | None = None, detail: str | None = None) -> None:
        """Append a timeline entry (and an MRR step when MRR or its currency moved)."""
        if self._pending_change is not None:
            self._flush_pending()
            before = self.mrr
        current = self.current
        if current is None:
            after, currency = ZERO, self.mrr_currency
            if plan is None:
                plan = FREE_PLAN
        else:
            currency = current.currency
            if plan is None:
                plan = current.name
            # mrr_at(t), inlined: this runs once per timeline entry
            if current.ended or current.state != ACTIVE or not self.installed or self.store_closed or (
                current.trial and current.trial_ends_at is not None and t < current.trial_ends_at
            ):
                after = ZERO
            else:
                after = current.monthly
        self.timeline.append({
            "type": type_, "occurred_at": t, "plan": plan, "mrr_before": before, "mrr_after": after,
            "currency": currency, "charge_id": charge_id, "detail": detail,
        })
        self.last_at[type_] = t
        if after != self.mrr or currency != self.mrr_currency or not self.mrr_history:
            self.mrr_history.append({"at": t, "mrr": after, "currency": currency, "annotation": type_})
            self.mrr = after
            self.mrr_currency = currency

    def _flush_pending(self) -> None:
        """A cancel that waited for a plan-change activation which never came is a cancel."""
        pending = self._pending_change
        if pending is None:
            return
        self._pending_change = None
        charge, before, at = pending
        self.paying_ended_at = at
        self._entry(v.TL_CANCELLED, at, before, charge.charge_id, charge.name)

    def _end_trial(self) -> None:
        c = self.current
        due = self._trial_due
        self._trial_due = None
        if c is None or due is None or c.ended or c.state not in _LIVE_STATES:
            return
        c.converted = True
        if self.customer_since is None:
            self.customer_since = due
        self._entry(v.TL_TRIAL_CONVERTED, due, self.mrr, c.charge_id, c.name)

    # -- relationship --------------------------------------------------------------------
    def on_installed(self, t: datetime, cid: str, node: dict[str, Any]) -> None:
        """First install is INSTALLED, every later one REINSTALLED."""
        before = self.mrr
        if self.first_installed_at is None:
            self.first_installed_at = t
            type_ = v.TL_INSTALLED
        else:
            self.reinstalls += 1
            type_ = v.TL_REINSTALLED
        self.installed = True
        self.store_closed = False
        self._entry(type_, t, before)

    def on_uninstalled(self, t: datetime, cid: str, node: dict[str, Any]) -> None:
        """Uninstalling ends, for good, every active or frozen subscription."""
        if self._pending_change is not None:
            self._flush_pending()
        before = self.mrr
        if self.is_live():
            self.paying_ended_at = t
        for charge in self.charges.values():
            if not charge.ended and charge.state in _LIVE_STATES:
                charge.ended = True
        for charge in self._uninstall_cancels:
            charge.state = v.CANCELLED
        self._uninstall_cancels.clear()
        self.installed = False
        self.uninstalled_at = t
        reason, description = node.get("reason"), node.get("description")
        detail = ": ".join(p for p in (reason, description) if p) or None
        self._entry(v.TL_UNINSTALLED, t, before, detail=detail)

    def on_store_closed(self, t: datetime, cid: str, node: dict[str, Any]) -> None:
        """The store closed (RELATIONSHIP_DEACTIVATED): frozen, not churned."""
        before = self.mrr
        self.store_closed = True
        self._entry(v.TL_STORE_CLOSED, t, before)

    def on_store_reopened(self, t: datetime, cid: str, node: dict[str, Any]) -> None:
        """The store reopened (RELATIONSHIP_REACTIVATED)."""
        before = self.mrr
        self.store_closed = False
        self._entry(v.TL_STORE_REOPENED, t, before)

    # -- subscription charges ------------------------------------------------------------
    def _charge(self, cid: str, node: dict[str, Any]) -> Charge:
        charge_node = node["charge"]
        charge = self.charges.get(cid)
        if charge is None:
            charge = self.charges[cid] = Charge(cid, charge_node)
        return charge

    def on_sub_accepted(self, t: datetime, cid: str, node: dict[str, Any]) -> None:
        """Pending approval; never undoes an activation."""
        charge = self._charge(cid, node)
        if charge.state is None or charge.state == v.PENDING:
            charge.state = v.PENDING

    def on_sub_activated(self, t: datetime, cid: str, node: dict[str, Any]) -> None:
        """Activation: first subscription (trial or not), plan change, or reactivation."""
        charge_node = node["charge"]
        charge = self.charges.get(cid)
        if charge is None:  # a new charge takes name, amount and billing date as it is created
            charge = self.charges[cid] = Charge(cid, charge_node)
        else:  # (the checks below read only states, so refreshing first changes nothing)
            charge.refresh(charge_node)
        if charge.test:
            charge.state, charge.ended, charge.activated_at = ACTIVE, False, t
            return
        current = self.current
        live = current is not None and not current.ended and current.state in _LIVE_STATES
        if current is charge and live:
            self._reactivate_live(charge, t)
            return
        previous: Charge | None = None
        pending = self._pending_change
        if pending is not None:
            self._pending_change = None
            previous, before = pending[0], pending[1]
        else:
            before = self.mrr
            if live:
                previous = current
        first = not self.had_subscription
        billing_on = charge.billing_on
        interval, charge.interval_inferred = billing_interval(self.sale_interval.get(cid), t, billing_on)
        charge.interval = interval
        charge.monthly = monthly_amount(charge.amount, interval)
        charge.state, charge.ended, charge.activated_at, charge.converted = ACTIVE, False, t, False
        if first:
            trial = is_trial_gap(t, billing_on, interval)
        else:
            trial = (
                previous is not None and previous.trial and not previous.converted
                and previous.trial_ends_at is not None and t < previous.trial_ends_at
                and billing_on is not None
            )
        charge.trial = trial
        charge.trial_ends_at = self._trial_due = billing_on if trial else None
        self.had_subscription = True
        self.current = charge
        self.paying_ended_at = None
        detail = None
        if previous is not None:
            type_ = plan_change_type(previous, charge)
            detail = plan_change_detail(previous, charge)
        elif trial:
            type_ = v.TL_TRIAL_STARTED
        elif self.customer_since is None:
            type_ = v.TL_SUBSCRIBED
        else:
            type_ = v.TL_REACTIVATED
        if not trial and self.customer_since is None:
            self.customer_since = t
        self._entry(type_, t, before, cid, charge.name, detail)

    def _reactivate_live(self, charge: Charge, t: datetime) -> None:
        """A repeated activation of the live charge (already refreshed): an unfreeze or a price refresh."""
        before = self.mrr
        was_frozen = charge.state == FROZEN
        charge.monthly = monthly_amount(charge.amount, charge.interval or v.EVERY_30_DAYS)
        charge.state = ACTIVE
        if was_frozen:
            self._entry(v.TL_UNFROZEN, t, before, charge.charge_id, charge.name)
        elif self.mrr_at(t) != before:
            self._entry(v.TL_PLAN_CHANGED, t, before, charge.charge_id, charge.name)

    def on_sub_canceled(self, t: datetime, cid: str, node: dict[str, Any]) -> None:
        """Cancel: churn of the live charge, unless another charge activates within 60 s."""
        charge = self._charge(cid, node)
        was_live = self.current is charge and not charge.ended and charge.state in _LIVE_STATES
        if charge.test or not was_live:
            charge.state = v.CANCELLED
            return
        follower = self._claimed_by(charge, t)
        if follower == v.UNINSTALLED:  # the uninstall's own cancel: the uninstall ends the charge
            self._uninstall_cancels.append(charge)
            return
        charge.state = v.CANCELLED
        if follower == v.SUB_ACTIVATED:
            self._pending_change = (charge, self.mrr, t)
            return
        before = self.mrr
        self.paying_ended_at = t
        self._entry(v.TL_CANCELLED, t, before, cid, charge.name)

    def _claimed_by(self, cancelled: Charge, t: datetime) -> str | None:
        """What claims a cancel of the live charge: the first, within 60 s after it, of an activation of
        another non-test charge (a plan change) and an uninstall (its own cancel); None when neither."""
        events = self._events
        limit = t + v.PLAN_CHANGE_WINDOW
        for j in range(self._index + 1, len(events)):
            ev = events[j]
            if ev[0] > limit:
                return None
            type_ = ev[3]
            if type_ == v.UNINSTALLED:
                return type_
            if type_ == v.SUB_ACTIVATED and ev[2] != cancelled.charge_id and not ev[5]["charge"].get("test"):
                return type_
        return None

    def _close_charge(self, t: datetime, cid: str, node: dict[str, Any], state: str, type_: str) -> None:
        charge = self._charge(cid, node)
        was_live = self.current is charge and not charge.ended and charge.state in _LIVE_STATES
        charge.state = state
        if charge.test:
            return
        before = self.mrr
        if was_live:
            self.paying_ended_at = t
        self._entry(type_, t, before, cid, charge.name)

    def on_sub_declined(self, t: datetime, cid: str, node: dict[str, Any]) -> None:
        """The merchant declined the charge."""
        self._close_charge(t, cid, node, v.DECLINED, v.TL_CHARGE_DECLINED)

    def on_sub_expired(self, t: datetime, cid: str, node: dict[str, Any]) -> None:
        """The charge was not approved in time."""
        self._close_charge(t, cid, node, v.EXPIRED, v.TL_CHARGE_EXPIRED)

    def on_sub_frozen(self, t: datetime, cid: str, node: dict[str, Any]) -> None:
        """Frozen (the shop stopped paying Shopify or closed): not churn."""
        charge = self._charge(cid, node)
        if charge.state not in _LIVE_STATES or charge.ended:
            return
        live = self.current is charge
        before = self.mrr
        charge.state = FROZEN
        if live and not charge.test:
            self._entry(v.TL_FROZEN, t, before, cid, charge.name)

    def on_sub_unfrozen(self, t: datetime, cid: str, node: dict[str, Any]) -> None:
        """Payments resumed."""
        charge = self._charge(cid, node)
        if charge.state not in _LIVE_STATES or charge.ended:
            return
        live = self.current is charge
        before = self.mrr
        charge.state = ACTIVE
        if live and not charge.test:
            self._entry(v.TL_UNFROZEN, t, before, cid, charge.name)

    # -- other charges -------------------------------------------------------------------
    def on_one_time_activated(self, t: datetime, cid: str, node: dict[str, Any]) -> None:
        """A one-time purchase (not MRR)."""
        charge = node["charge"]
        if not charge.get("test"):
            self._entry(v.TL_ONE_TIME_CHARGE, t, self.mrr, cid, None, amount_detail(charge))

    def on_one_time_declined(self, t: datetime, cid: str, node: dict[str, Any]) -> None:
        """A one-time purchase the merchant declined."""
        charge = node["charge"]
        if not charge.get("test"):
            self._entry(v.TL_CHARGE_DECLINED, t, self.mrr, cid, None, amount_detail(charge))

    def on_one_time_expired(self, t: datetime, cid: str, node: dict[str, Any]) -> None:
        """A one-time purchase never approved."""
        charge = node["charge"]
        if not charge.get("test"):
            self._entry(v.TL_CHARGE_EXPIRED, t, self.mrr, cid, None, amount_detail(charge))

    def on_usage_applied(self, t: datetime, cid: str, node: dict[str, Any]) -> None:
        """A usage record (counted in the usage run-rate, not MRR)."""
        charge = node["charge"]
        if charge.get("test"):
            return
        amount = charge.get("amount")
        if amount:
            self.usage.append((t, cid, decimal(amount["amount"]), amount["currencyCode"]))
        self._entry(v.TL_USAGE_CHARGE, t, self.mrr, cid, None, amount_detail(charge))

    def on_credit_applied(self, t: datetime, cid: str, node: dict[str, Any]) -> None:
        """A credit given to the merchant."""
        credit = node.get("appCredit") or {}
        if not credit.get("test"):
            self._entry(v.TL_CREDIT, t, self.mrr, cid or None, None, amount_detail(credit))


_HANDLERS = {
    v.INSTALLED: Lifecycle.on_installed,
    v.UNINSTALLED: Lifecycle.on_uninstalled,
    v.STORE_DEACTIVATED: Lifecycle.on_store_closed,
    v.STORE_REACTIVATED: Lifecycle.on_store_reopened,
    v.SUB_ACCEPTED: Lifecycle.on_sub_accepted,
    v.SUB_ACTIVATED: Lifecycle.on_sub_activated,
    v.SUB_CANCELED: Lifecycle.on_sub_canceled,
    v.SUB_DECLINED: Lifecycle.on_sub_declined,
    v.SUB_EXPIRED: Lifecycle.on_sub_expired,
    v.SUB_FROZEN: Lifecycle.on_sub_frozen,
    v.SUB_UNFROZEN: Lifecycle.on_sub_unfrozen,
    v.ONE_TIME_ACTIVATED: Lifecycle.on_one_time_activated,
    v.ONE_TIME_DECLINED: Lifecycle.on_one_time_declined,
    v.ONE_TIME_EXPIRED: Lifecycle.on_one_time_expired,
    v.USAGE_APPLIED: Lifecycle.on_usage_applied,
    v.CREDIT_APPLIED: Lifecycle.on_credit_applied,
}
