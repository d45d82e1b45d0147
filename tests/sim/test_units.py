"""Pure pieces: token bucket, cursors, paging, configuration, fault settings, scenario validation."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from partner_sim.config import DEFAULT_VERSIONS, SimConfig
from partner_sim.cursors import CursorError, decode_cursor, encode_cursor, filter_hash
from partner_sim.faults import FaultConfigError, Faults
from partner_sim.ordered_index import OrderedIndex
from partner_sim.pagination import PagingError, paginate
from partner_sim.scenario import ScenarioError, scenario_from_dict, typename_for
from partner_sim.throttle import Throttle


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    clock = FakeClock()
    throttle = Throttle(rate=4, capacity=4, clock=clock)
    assert [throttle.allow("t") for _ in range(5)] == [True, True, True, True, False]
    clock.now += 0.25
    assert throttle.allow("t") and not throttle.allow("t")
    clock.now += 10
    assert sum(throttle.allow("t") for _ in range(10)) == 4


def test_buckets_are_per_access_token() -> None:
    throttle = Throttle(rate=1, capacity=1, clock=FakeClock())
    assert throttle.allow("a") and not throttle.allow("a")
    assert throttle.allow("b")


def test_cursor_round_trip_and_binding() -> None:
    fh = filter_hash({"types": ["B", "A"], "shop": None})
    assert fh == filter_hash({"types": ["A", "B"]})
    cursor = encode_cursor((-1700000000, -42), fh)
    assert decode_cursor(cursor, fh) == (-1700000000, -42)
    with pytest.raises(CursorError, match="different arguments"):
        decode_cursor(cursor, filter_hash({"types": ["A"]}))
    with pytest.raises(CursorError, match="Invalid cursor"):
        decode_cursor("%%%", fh)


class Rec:
    def __init__(self, ts: int, seq: int) -> None:
        self.key = (-ts, -seq)
        self.ts = ts


def test_paging_over_an_index_with_window_and_predicate() -> None:
    index: OrderedIndex[Rec] = OrderedIndex()
    index.extend_sorted(Rec(ts, i) for i, ts in enumerate([10, 20, 20, 30, 40, 50]))
    lo, hi = index.window(newest_ts=40, oldest_ts=20)
    assert [r.ts for r in index.items[lo:hi]] == [40, 30, 20, 20]
    page = paginate(index, lo=lo, hi=hi, keep=lambda r: r.ts != 30, first=2, after=None, last=None, before=None,
                    fhash="h", page_max=100)
    assert [r.ts for r in page.records] == [40, 20] and page.has_next and not page.has_previous
    after = encode_cursor(page.records[-1].key, "h")
    rest = paginate(index, lo=lo, hi=hi, keep=lambda r: True, first=5, after=after, last=None, before=None,
                    fhash="h", page_max=100)
    assert [r.ts for r in rest.records] == [20] and not rest.has_next and rest.has_previous
    with pytest.raises(PagingError):
        paginate(index, lo=lo, hi=hi, keep=lambda r: True, first=None, after=None, last=None, before=None,
                 fhash="h", page_max=100)


def test_page_size_is_clamped_to_the_maximum() -> None:
    index: OrderedIndex[Rec] = OrderedIndex()
    index.extend_sorted(Rec(ts, ts) for ts in range(300))
    page = paginate(index, lo=0, hi=300, keep=lambda r: True, first=1000, after=None, last=None, before=None,
                    fhash="h", page_max=100)
    assert len(page.records) == 100 and page.has_next


def test_config_from_environment() -> None:
    config = SimConfig.from_env({"PARTNER_SIM_THROTTLE": "0", "PARTNER_SIM_RATE": "8",
                                 "PARTNER_SIM_VERSIONS": "2026-04, 2026-07", "CRM_NOW": "2026-03-01T00:00:00Z",
                                 "PARTNER_SIM_FAULTS": '{"error_rate": 0.1}'})
    assert (config.throttle, config.rate, config.versions) == (False, 8.0, ("2026-04", "2026-07"))
    assert config.now == datetime(2026, 3, 1, tzinfo=timezone.utc)
    assert config.faults == {"error_rate": 0.1}
    default = SimConfig.from_env({})
    assert default.throttle and default.rate == 4 and default.versions == DEFAULT_VERSIONS


def test_fault_settings_are_validated_and_reset() -> None:
    faults = Faults()
    faults.update({"error_rate": 0.25, "storm_429_requests": 2})
    assert faults.take_storm() and faults.take_storm() and not faults.take_storm()
    with pytest.raises(FaultConfigError):
        faults.update({"drop_rate": -0.1})
    with pytest.raises(FaultConfigError):
        faults.update({"nope": 1})
    faults.reset()
    assert faults.as_dict()["error_rate"] == 0.0


def test_scenario_validation_and_typename_defaults() -> None:
    assert typename_for("SUBSCRIPTION_CHARGE_ACTIVATED") == "SubscriptionChargeActivated"
    sc = scenario_from_dict({"organization": {"id": 1, "accessToken": "t"}, "apps": [{"id": "gid://partners/App/5"}],
                             "events": [{"type": "RELATIONSHIP_INSTALLED", "occurredAt": "2026-01-01T00:00:00Z",
                                         "app": {"id": "gid://partners/App/5"}, "shop": {"id": "s"}}]})
    assert sc.events[0]["__typename"] == "RelationshipInstalled"
    assert sc.apps[0]["apiKey"] == "k5" and sc.organization_id == "1"
    with pytest.raises(ScenarioError, match="organization"):
        scenario_from_dict({"apps": []})
    with pytest.raises(ScenarioError, match=r"events\[0\]"):
        scenario_from_dict({"organization": {"id": 1, "accessToken": "t"}, "apps": [], "events": [{"type": "X"}]})


def test_configured_faults_can_restate_and_delay_events_from_the_start() -> None:
    import copy

    from partner_sim.state import SimState
    from partner_sim.store import Store
    from tests.sim.conftest import rel_event, small_scenario_dict

    late = rel_event("RELATIONSHIP_UNINSTALLED", "2026-02-27T00:00:00Z", 1)
    config = SimConfig(throttle=False, faults={
        "error_rate": 0.5, "late_events": [late], "visible_after": "2999-01-01T00:00:00Z",
        "restate": [{"id": "gid://partners/AppSubscriptionSale/5001", "grossAmount": "1.00"}]})
    state = SimState(scenario_from_dict(copy.deepcopy(small_scenario_dict())), config)
    assert state.faults.error_rate == 0.5
    tx = state.store.txn_by_id["gid://partners/AppSubscriptionSale/5001"]
    assert tx.node["grossAmount"] == {"amount": "1.00", "currencyCode": "USD"}
    hidden = [ev for ev in state.store.events_by_app["gid://partners/App/101"].items if not Store.visible(ev)]
    assert len(hidden) == 1 and hidden[0].node["occurredAt"] == "2026-02-27T00:00:00Z"
    state.reset()
    assert len([ev for ev in state.store.events_by_app["gid://partners/App/101"].items if not Store.visible(ev)]) == 1
