"""Relationship rules: install, reinstall, uninstall, store closed (docs/customer-rules.md, Relationship)."""

from __future__ import annotations

from decimal import Decimal

from tests.customer.history import History, day, midnight


def paying_shop() -> History:
    """Installed on day 0, on Pro at 29.00 every 30 days with no trial."""
    return History().charge(1, "Pro", "29.00", billing_on=midnight(30)).install(day(0)).activate(1, day(0, 60))


def types(doc: dict) -> list[str]:
    return [e["type"] for e in doc["timeline"]]


def test_install_sets_installed_at_and_first_timeline_entry() -> None:
    doc = History().install(day(0)).derive(day(5))
    assert doc["installed_at"] == day(0)
    assert doc["first_installed_at"] == day(0)
    assert doc["status"] == "FREE"
    assert types(doc) == ["INSTALLED"]
    assert doc["uninstalled_at"] is None


def test_uninstall_without_cancel_ends_the_subscription() -> None:
    doc = paying_shop().uninstall(day(40), reason="Too expensive", description="bye").derive(day(50))
    assert doc["status"] == "UNINSTALLED"
    assert doc["mrr"] == Decimal(0)
    assert doc["uninstalled_at"] == day(40)
    last = doc["timeline"][-1]
    assert last["type"] == "UNINSTALLED"
    assert last["mrr_before"] == Decimal("29.00") and last["mrr_after"] == Decimal(0)
    assert last["detail"] == "Too expensive: bye"
    assert doc["charges"][0]["state"] == "cancelled"


def test_cancel_after_uninstall_adds_nothing() -> None:
    doc = paying_shop().uninstall(day(40)).cancel(1, day(40, 5)).derive(day(50))
    assert types(doc) == ["INSTALLED", "SUBSCRIBED", "UNINSTALLED"]


def test_reinstall_does_not_revive_a_subscription_ended_by_uninstall() -> None:
    doc = paying_shop().uninstall(day(40)).install(day(45)).unfreeze(1, day(46)).derive(day(50))
    assert doc["status"] == "CANCELLED"
    assert doc["mrr"] == Decimal(0)
    assert doc["installed_at"] == day(0)
    assert doc["uninstalled_at"] is None
    assert types(doc)[-1] == "REINSTALLED"


def test_reinstall_after_churn_with_new_activation_is_a_reactivation() -> None:
    h = paying_shop().uninstall(day(40)).install(day(45))
    h.charge(2, "Pro", "29.00", billing_on=midnight(75)).activate(2, day(45, 60))
    doc = h.derive(day(50))
    assert doc["status"] == "ACTIVE"
    assert doc["mrr"] == Decimal("29.00")
    assert types(doc) == ["INSTALLED", "SUBSCRIBED", "UNINSTALLED", "REINSTALLED", "REACTIVATED"]


def test_cancel_then_new_activation_long_after_is_a_reactivation() -> None:
    h = paying_shop().cancel(1, day(40))
    h.charge(2, "Basic", "9.00", billing_on=midnight(130)).activate(2, day(100))
    doc = h.derive(day(110))
    assert types(doc)[-2:] == ["CANCELLED", "REACTIVATED"]
    assert doc["plan"] == "Basic" and doc["mrr"] == Decimal("9.00")


def test_store_deactivation_then_freeze_is_frozen_not_churn() -> None:
    h = paying_shop().close_store(day(40)).freeze(1, day(40, 3))
    doc = h.derive(day(45))
    assert doc["status"] == "FROZEN"
    assert doc["mrr"] == Decimal(0)
    assert doc["plan"] == "Pro"
    assert types(doc)[-2:] == ["STORE_CLOSED", "FROZEN"]
    assert "CANCELLED" not in types(doc) and "UNINSTALLED" not in types(doc)


def test_store_reopening_and_unfreeze_restore_mrr() -> None:
    h = paying_shop().close_store(day(40)).freeze(1, day(40, 3)).reopen_store(day(60)).unfreeze(1, day(60, 2))
    doc = h.derive(day(61))
    assert doc["status"] == "ACTIVE"
    assert doc["mrr"] == Decimal("29.00")
    assert types(doc)[-2:] == ["STORE_REOPENED", "UNFROZEN"]
    assert doc["mrr_history"][-1]["annotation"] == "UNFROZEN"


def test_store_closed_without_freeze_is_still_frozen() -> None:
    doc = paying_shop().close_store(day(40)).derive(day(41))
    assert doc["status"] == "FROZEN" and doc["mrr"] == Decimal(0)


def test_history_starting_with_uninstall_was_installed_before() -> None:
    doc = History().uninstall(day(3)).derive(day(5))
    assert doc["status"] == "UNINSTALLED"
    assert doc["installed_at"] is None
    assert doc["uninstalled_at"] == day(3)


def test_history_without_relationship_events_counts_as_installed() -> None:
    h = History().charge(1, billing_on=midnight(30)).activate(1, day(0, 60))
    assert h.derive(day(5))["status"] == "ACTIVE"


def test_uninstall_ends_a_frozen_subscription_and_unfreeze_after_reinstall_does_not_revive_it() -> None:
    h = paying_shop().freeze(1, day(30)).uninstall(day(35)).install(day(36)).unfreeze(1, day(37))
    doc = h.derive(day(40))
    assert doc["status"] == "CANCELLED" and doc["mrr"] == Decimal(0)
    assert doc["charges"][0]["state"] == "cancelled"
    assert doc["days_as_customer"] == 34  # paying ended at the uninstall


def test_cancel_of_a_frozen_live_charge_is_cancelled() -> None:
    doc = paying_shop().freeze(1, day(30)).cancel(1, day(35)).derive(day(40))
    assert doc["status"] == "CANCELLED"
    assert types(doc)[-2:] == ["FROZEN", "CANCELLED"]
