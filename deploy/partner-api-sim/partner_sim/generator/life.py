"""One merchant's life with one app, as a state machine stepped through time.

Every step emits the Partner API events and transactions it causes AND updates
the model state (installed, store open, live charge, ledger). The expected
customer (``Expectation``) is read from that state at the end — never by
re-deriving the emitted events — so it is an independent answer for the CRM.

Rules the generator keeps so that its truth is certain (docs/customer-rules.md):
- steps are hours to months apart, so an unrelated cancel and activation are
  never within 60 seconds of each other; a plan change is a cancel and an
  activation in the same second;
- only the first non-test activation may have a trial (monthly plans only);
  billingOn of a non-trial activation is at least a full cycle later;
- declined/expired charges only come right before an activation;
- an uninstall of a paying shop comes with its cancel in the same second, up to
  a minute before or after it (the uninstall's own cancel: no ``CANCELLED``
  entry, the churn is the uninstall's), a few minutes before it (a cancel, then
  the uninstall), or without one;
- some subscription sales are $0.00 (a discounted trial conversion, a downgrade
  whose first cycle the old plan's credit covers); they may say
  ``EVERY_30_DAYS`` whatever the plan, and change nothing but the ledger;
- refunds and credits are negative sales, restated under their id more often
  than other sales;
- a shop's money is in one currency; test shops are USD;
- nothing happens after ``horizon`` (two hours before ``now``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from partner_sim.generator.calendar_model import (
    DAY,
    HOUR,
    MONTH_CYCLE,
    YEAR_CYCLE,
    ZERO,
    SubCharge,
    ceil_midnight,
    payout_batch,
)
from partner_sim.generator.catalog import (
    ANNUAL_PLANS,
    MONTHLY_PLANS,
    PLANS,
    UNINSTALL_DESCRIPTIONS,
    UNINSTALL_REASONS,
    Plan,
)
from partner_sim.generator.expectation import Expectation
from partner_sim.generator.ids import IdSource
from partner_sim.generator.nodes import charge_node, event_node, fee_for, transaction_node


@dataclass
class MerchantLife:
    """Steps one (app, shop) relationship from install to ``horizon``."""

    rng: random.Random
    ids: IdSource
    app_ref: dict[str, str]
    shop: dict[str, Any]
    currency: str
    language: str
    now: int
    kind: str  # "paying" | "free" | "test" | "mixed"
    events: list[dict[str, Any]] = field(default_factory=list)
    transactions: list[dict[str, Any]] = field(default_factory=list)
    # model state
    installed: bool = False
    store_closed: bool = False
    live: SubCharge | None = None
    last_sub: SubCharge | None = None
    had_sub: bool = False
    test_charges: int = 0
    real_charges: int = 0
    gross: Decimal = ZERO
    net: Decimal = ZERO
    installed_at: int = 0
    uninstalled_at: int | None = None
    had_money: bool = False
    customer_since: int | None = None
    paying_ended_at: int | None = None  # when the last live charge ended (None while one is live)
    cancelled_entries: int = 0  # CANCELLED timeline entries the CRM must write
    last_at: int = 0  # the latest event or sale time so far
    restate_rate: float = 0.02
    refund_restate_rate: float = 0.25

    @property
    def horizon(self) -> int:
        """No step starts after this (its few-second follow-ups stay before ``now``)."""
        return self.now - 2 * HOUR

    # ---- emission helpers ----------------------------------------------
    def _event(self, event_type: str, ts: int, **extra: Any) -> None:
        self.last_at = max(self.last_at, ts)
        self.events.append(event_node(event_type, ts, self.app_ref, self.shop, **extra))

    def _sub_event(self, event_type: str, ts: int, charge: SubCharge) -> None:
        node = charge_node(charge.id, charge.plan.name, charge.test, charge.plan.amount, charge.currency,
                           billing_on=charge.next_bill)
        self._event(event_type, ts, charge=node)

    def _sale(self, typename: str, billed_at: int, charge_id: str | None, gross: Decimal,
              interval: str | None = None) -> None:
        """Record a sale that enters a payout batch after ``billed_at`` (dropped if that is after now)."""
        self.last_at = max(self.last_at, billed_at)
        created = payout_batch(billed_at, self.rng)
        if created > self.now:
            return
        net = gross - fee_for(gross, billed_at)
        txn_id = self.ids.transaction(typename)
        self.transactions.append(transaction_node(typename, txn_id, created, self.app_ref, self.shop, charge_id,
                                                  gross, net, self.currency, interval))
        rate = self.refund_restate_rate if gross < 0 else self.restate_rate
        if gross and self.rng.random() < rate:
            # Restated under the same id: a fee correction, or a partial discount on the gross.
            if self.rng.random() < 0.5:
                new_gross = gross
            else:
                new_gross = (gross * Decimal("0.9")).quantize(Decimal("0.01"))
            new_net = new_gross - fee_for(new_gross, billed_at) - Decimal("0.01")
            self.transactions.append(transaction_node(typename, txn_id, created, self.app_ref, self.shop,
                                                      charge_id, new_gross, new_net, self.currency, interval))
            gross, net = new_gross, new_net
        self.gross += gross
        self.net += net
        self.had_money = True

    # ---- the life --------------------------------------------------------
    def run(self, install_at: int) -> Expectation:
        """Live the whole life and return what the CRM must conclude."""
        t = install_at
        self._install(t, first=True)
        if self.kind == "test":
            self._test_life(t)
            return self._expect()
        if self.kind == "mixed":
            t = self._test_then_real(t)
        t += self.rng.choice((5 * 60, 40 * 60, 3 * HOUR, DAY, 3 * DAY))
        if self.kind in ("paying", "mixed") and t < self.horizon:
            t = self._subscribe(t, first=True)
        while True:
            step = t + int(self.rng.expovariate(1 / (75 * DAY))) + HOUR
            if step >= self.horizon:
                break
            self._bill_until(step)
            t = step
            if not self._act(t):
                break
        self._bill_until(self.now)
        return self._expect()

    def _install(self, t: int, first: bool) -> None:
        self._event("RELATIONSHIP_INSTALLED", t)
        self.installed = True
        self.uninstalled_at = None
        if first:
            self.installed_at = t

    # ---- test shops ------------------------------------------------------
    def _test_life(self, t: int) -> None:
        t += self.rng.choice((10 * 60, HOUR, DAY))
        if t >= self.horizon:
            return
        charge = self._activate_test(t)
        t += self.rng.randint(1, 60) * DAY
        if t < self.horizon and self.rng.random() < 0.5:
            self._sub_event("SUBSCRIPTION_CHARGE_CANCELED", t, charge)
            t += self.rng.randint(1, 30) * DAY
        if t < self.horizon and self.rng.random() < 0.5:
            self._uninstall(t)

    def _activate_test(self, t: int) -> SubCharge:
        plan = self.rng.choice(MONTHLY_PLANS)
        charge = SubCharge(self.ids.subscription(), plan, self.currency, True, t,
                           ceil_midnight(t + self.rng.choice((7, 14)) * DAY))
        self._sub_event("SUBSCRIPTION_CHARGE_ACCEPTED", t, charge)
        self._sub_event("SUBSCRIPTION_CHARGE_ACTIVATED", t, charge)
        self.test_charges += 1
        return charge

    def _test_then_real(self, t: int) -> int:
        """A development store that tested the app, then became a real merchant."""
        t += HOUR
        if t >= self.horizon:
            return t
        charge = self._activate_test(t)
        t += self.rng.randint(1, 5) * DAY
        if t < self.horizon:
            self._sub_event("SUBSCRIPTION_CHARGE_CANCELED", t, charge)
        return t

    # ---- subscriptions -----------------------------------------------------
    def _subscribe(self, t: int, first: bool) -> int:
        """Approve and activate a plan (maybe after a declined or expired attempt); returns the time after."""
        if first and self.rng.random() < 0.1 and t + 2 * DAY < self.horizon:
            failed = SubCharge(self.ids.subscription(), self.rng.choice(PLANS), self.currency, False, t,
                               ceil_midnight(t + MONTH_CYCLE))
            self._sub_event(self.rng.choice(("SUBSCRIPTION_CHARGE_DECLINED", "SUBSCRIPTION_CHARGE_EXPIRED")),
                            t, failed)
            self.real_charges += 1
            t += self.rng.randint(1, 40) * HOUR
        annual = self.rng.random() < 0.15
        plan = self.rng.choice(ANNUAL_PLANS if annual else MONTHLY_PLANS)
        trial_days = self.rng.choice((7, 14, 21)) if first and not annual and self.rng.random() < 0.6 else 0
        charge = self._new_charge(plan, t, trial_days)
        if self.rng.random() < 0.5:
            self._sub_event("SUBSCRIPTION_CHARGE_ACCEPTED", t - self.rng.randint(0, 30), charge)
        self._activate(charge, t)
        if charge.trial_end is not None:
            return self._trial_outcome(charge, t)
        return t

    def _new_charge(self, plan: Plan, t: int, trial_days: int) -> SubCharge:
        if trial_days:
            end = ceil_midnight(t + trial_days * DAY)
            return SubCharge(self.ids.subscription(), plan, self.currency, False, t, end, trial_end=end)
        cycle = YEAR_CYCLE if plan.annual else MONTH_CYCLE
        return SubCharge(self.ids.subscription(), plan, self.currency, False, t, ceil_midnight(t + cycle))

    def _activate(self, charge: SubCharge, t: int, first_cycle_free: bool = False) -> None:
        """Activation: the new charge replaces whatever was live; non-trial charges bill at once
        (a $0.00 sale when ``first_cycle_free``)."""
        self._sub_event("SUBSCRIPTION_CHARGE_ACTIVATED", t, charge)
        self.live = charge
        self.last_sub = charge
        self.had_sub = True
        self.paying_ended_at = None
        self.real_charges += 1
        if charge.trial_end is None or charge.trial_end <= t:
            if first_cycle_free:
                self._sale("AppSubscriptionSale", t, charge.id, ZERO, "EVERY_30_DAYS")
            else:
                self._sale("AppSubscriptionSale", t, charge.id, charge.plan.amount, charge.interval)
            if self.customer_since is None:
                self.customer_since = t  # first paid activation without a trial

    def _trial_outcome(self, charge: SubCharge, t: int) -> int:
        """Most trials convert; some are cancelled, uninstalled or changed before they end."""
        assert charge.trial_end is not None
        r = self.rng.random()
        at = t + self.rng.randint(HOUR, max(HOUR + 1, charge.trial_end - t - 2 * HOUR))
        if r < 0.55 or at >= self.horizon:
            return max(t, charge.trial_end)
        if r < 0.72:
            self._cancel(at)
        elif r < 0.86:
            self._uninstall(at)
        else:
            self._plan_change(at, upgrade=self.rng.random() < 0.5)
        return max(at, charge.trial_end) if self.live is not None else at

    def _plan_change(self, t: int, upgrade: bool) -> bool:
        """Cancel the live charge and activate another in the same second."""
        old = self.live
        assert old is not None
        in_trial = old.trial_end is not None and t < old.trial_end
        pool = MONTHLY_PLANS if in_trial else PLANS
        options = [p for p in pool if (p.monthly > old.plan.monthly if upgrade else p.monthly < old.plan.monthly)]
        if not options:
            return False
        plan = self.rng.choice(options)
        if in_trial:
            assert old.trial_end is not None
            new = SubCharge(self.ids.subscription(), plan, self.currency, False, t, old.trial_end,
                            trial_end=old.trial_end)
        else:
            new = self._new_charge(plan, t, 0)
        old_cancel_first = self.rng.random() < 0.5
        if old_cancel_first:
            self._sub_event("SUBSCRIPTION_CHARGE_CANCELED", t, old)
        # a downgrade whose first cycle the old plan's remaining credit covers is billed at $0.00
        self._activate(new, t, first_cycle_free=not upgrade and not in_trial and self.rng.random() < 0.25)
        if not old_cancel_first:
            self._sub_event("SUBSCRIPTION_CHARGE_CANCELED", t, old)
        if not upgrade and not in_trial and self.rng.random() < 0.3:
            refund = -(old.plan.amount * Decimal("0.5")).quantize(Decimal("0.01"))
            self._sale("AppSaleAdjustment", t, old.id, refund)
        return True

    def _cancel(self, t: int) -> None:
        assert self.live is not None
        self._sub_event("SUBSCRIPTION_CHARGE_CANCELED", t, self.live)
        self.live = None
        self.paying_ended_at = t
        self.cancelled_entries += 1

    def _bill_until(self, until: int) -> None:
        """Bill the live charge at each due date up to ``until`` (not while frozen)."""
        charge = self.live
        if charge is None or charge.frozen:
            return
        while charge.next_bill <= until and charge.next_bill <= self.now:
            amount = charge.plan.amount
            if charge.next_bill == charge.trial_end:
                if self.customer_since is None:
                    self.customer_since = charge.trial_end  # the trial ended with the charge still live
                if self.rng.random() < 0.2:
                    amount = ZERO  # a trial conversion whose first cycle is discounted to $0.00
            self._sale("AppSubscriptionSale", charge.next_bill, charge.id, amount, charge.interval)
            charge.next_bill += charge.cycle

    # ---- relationship ---------------------------------------------------------
    def _uninstall(self, t: int) -> None:
        """Uninstall: ends the live charge with or without a cancel event."""
        reasons = UNINSTALL_REASONS.get(self.language, UNINSTALL_REASONS["en"])
        reason = self.rng.choice(reasons) if self.rng.random() < 0.8 else None
        description = self.rng.choice(UNINSTALL_DESCRIPTIONS)
        live = self.live
        mode = self.rng.random()
        # a cancel a few minutes before: only after every earlier event and bill of this life
        far_room = min(50 * 60, t - self.last_at - 1)
        if live is not None and 0.55 <= mode < 0.65 and not live.frozen and far_room > 61:
            self._cancel(t - self.rng.randint(61, far_room))  # a cancel, then the uninstall: CANCELLED
            live = None
        elif live is not None and mode < 0.2:
            self._sub_event("SUBSCRIPTION_CHARGE_CANCELED", t, live)  # Shopify's own, in the same second
        elif live is not None and 0.45 <= mode < 0.65 and t - self.last_at > 60:
            self._sub_event("SUBSCRIPTION_CHARGE_CANCELED", t - self.rng.randint(1, 60), live)  # just before
        self._event("RELATIONSHIP_UNINSTALLED", t, reason=reason, description=description)
        if live is not None and 0.2 <= mode < 0.45:
            self._sub_event("SUBSCRIPTION_CHARGE_CANCELED", t + self.rng.randint(1, 60), live)  # just after
        if live is not None:
            self.paying_ended_at = t  # the uninstall ends the charge (and owns any cancel within 60 s)
        self.live = None
        self.installed = False
        self.uninstalled_at = t

    def _close_store(self, t: int) -> None:
        self._event("RELATIONSHIP_DEACTIVATED", t)
        self.store_closed = True
        if self.live is not None and not self.live.frozen:
            self.live.frozen = True
            self._sub_event("SUBSCRIPTION_CHARGE_FROZEN", t + self.rng.randint(1, 30), self.live)

    def _reopen_store(self, t: int) -> None:
        self._event("RELATIONSHIP_REACTIVATED", t)
        self.store_closed = False
        if self.live is not None and self.live.frozen:
            self._unfreeze(t + self.rng.randint(1, 30))

    def _unfreeze(self, t: int) -> None:
        charge = self.live
        assert charge is not None
        charge.frozen = False
        while charge.next_bill <= t:
            charge.next_bill += charge.cycle
        self._sub_event("SUBSCRIPTION_CHARGE_UNFROZEN", t, charge)

    # ---- extras ---------------------------------------------------------------
    def _one_time(self, t: int) -> None:
        charge_id = self.ids.one_time()
        amount = self.rng.choice((Decimal("19.00"), Decimal("49.00"), Decimal("150.00")))
        node = charge_node(charge_id, self.rng.choice(("Setup", "Data migration", "Theme tweak")), False,
                           amount, self.currency)
        self._event("ONE_TIME_CHARGE_ACCEPTED", t, charge=node)
        self.real_charges += 1
        if self.rng.random() < 0.15:
            self._event("ONE_TIME_CHARGE_DECLINED", t + self.rng.randint(5, 120), charge=node)
            return
        self._event("ONE_TIME_CHARGE_ACTIVATED", t + self.rng.randint(1, 20), charge=node)
        self._sale("AppOneTimeSale", t, charge_id, amount)

    def _usage(self, t: int) -> None:
        for k in range(self.rng.randint(1, 3)):
            at = t + k * 600
            charge_id = self.ids.usage_record()
            amount = Decimal(self.rng.randint(100, 5000)) / 100
            node = charge_node(charge_id, f"{self.rng.randint(10, 900)} orders synced", False, amount, self.currency)
            self._event("USAGE_CHARGE_APPLIED", at, charge=node)
            self._sale("AppUsageSale", at, charge_id, amount)

    def _credit(self, t: int) -> None:
        credit_id = self.ids.credit()
        amount = self.rng.choice((Decimal("5.00"), Decimal("10.00"), Decimal("25.00")))
        node = charge_node(credit_id, "Goodwill credit", False, amount, self.currency)
        self._event("CREDIT_APPLIED", t, appCredit=node)
        self._sale("AppSaleCredit", t, credit_id, -amount)

    def _refund(self, t: int) -> None:
        assert self.live is not None
        amount = -(self.live.plan.amount * self.rng.choice((Decimal("1"), Decimal("0.5")))).quantize(Decimal("0.01"))
        self._sale("AppSaleAdjustment", t, self.live.id, amount)

    # ---- one step ---------------------------------------------------------------
    def _act(self, t: int) -> bool:
        """One weighted step from the current state; False ends the life."""
        rng = self.rng
        if not self.installed:
            if rng.random() < 0.3:
                self._install(t, first=False)
                return True
            return False
        if self.store_closed:
            if rng.random() < 0.5:
                self._reopen_store(t)
            return True
        live = self.live
        if live is not None and live.frozen:  # billing freeze with the store open
            r = rng.random()
            if r < 0.6:
                self._unfreeze(t)
            elif r < 0.8:
                self._uninstall(t)
            return True
        if live is None:
            r = rng.random()
            if r < 0.22 and self.kind in ("paying", "mixed"):
                self._subscribe(t, first=not self.had_sub)
            elif r < 0.45:
                self._uninstall(t)
            elif r < 0.52:
                self._one_time(t)
            elif r < 0.55:
                self._close_store(t)
            return True
        choices = (
            (0.10, lambda: self._plan_change(t, upgrade=True)),
            (0.08, lambda: self._plan_change(t, upgrade=False)),
            (0.09, lambda: self._cancel(t)),
            (0.13, lambda: self._uninstall(t)),
            (0.05, lambda: self._close_store(t)),
            (0.03, lambda: self._billing_freeze(t)),
            (0.05, lambda: self._one_time(t)),
            (0.08, lambda: self._usage(t)),
            (0.04, lambda: self._credit(t)),
            (0.03, lambda: self._refund(t)),
        )
        r = rng.random()
        for weight, action in choices:
            if r < weight:
                action()
                break
            r -= weight
        return True

    def _billing_freeze(self, t: int) -> None:
        assert self.live is not None
        self.live.frozen = True
        self._sub_event("SUBSCRIPTION_CHARGE_FROZEN", t, self.live)

    # ---- the answer ---------------------------------------------------------------
    def _expect(self) -> Expectation:
        live, last = self.live, self.last_sub
        current = live or last
        if not self.installed:
            status = "UNINSTALLED"
        elif self.store_closed or (live is not None and live.frozen):
            status = "FROZEN"
        elif live is not None and live.trial_end is not None and self.now < live.trial_end:
            status = "TRIAL"
        elif live is not None:
            status = "ACTIVE"
        elif self.had_sub:
            status = "CANCELLED"
        else:
            status = "FREE"
        trial_end = current.trial_end if current is not None else None
        days_as_customer = None
        if self.customer_since is not None:
            end = self.now if live is not None and self.installed else (
                self.paying_ended_at or self.uninstalled_at or self.now)
            days_as_customer = max(0, (end - self.customer_since) // DAY)
        currency = current.currency if current is not None else "USD"
        # Lifetime value is kept in the customer's currency (docs/customer-rules.md, Lifetime value); money in any
        # other currency (e.g. a one-time purchase of a never-subscribed EUR shop) is
        # only in ``lifetime_by_currency``.
        by_currency = {self.currency: (self.gross, self.net)} if self.gross or self.net or self.had_money else {}
        in_currency = by_currency.get(currency, (ZERO, ZERO))
        return Expectation(
            app_id=self.app_ref["id"],
            shop_id=self.shop["id"],
            status=status,
            plan=current.plan.name if current is not None else "Free",
            mrr=live.plan.monthly if status == "ACTIVE" and live is not None else ZERO,
            currency=currency,
            lifetime_value=in_currency[0],
            lifetime_net=in_currency[1],
            lifetime_by_currency=by_currency,
            is_test=self.test_charges > 0 and self.real_charges == 0,
            billing_interval=current.interval if current is not None else None,
            installed_at=self.installed_at,
            uninstalled_at=self.uninstalled_at,
            trial_ends_at=trial_end,
            customer_since=self.customer_since,
            days_as_customer=days_as_customer,
            cancelled_entries=self.cancelled_entries,
        )
