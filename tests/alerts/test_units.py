"""Pure tests of the alert rules: the diff, stable ids, the signature, the SSRF address check, backoff,
endpoint selection and rendering."""

from __future__ import annotations

import asyncio
import ipaddress
import random
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from bson import Decimal128

from crm_shared.alerts import render, signing, url_safety
from crm_shared.alerts.delivery import DeliveryConfig, backoff_delay, retry_outcome
from crm_shared.alerts.emit import endpoint_wants
from crm_shared.alerts.events import TIMELINE_EVENT_TYPES, Baseline, diff_customer, segment_events

APP = "gid://partners/App/1"
SHOP = "gid://partners/Shop/9"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def entry(type_: str, at: datetime, charge: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": type_, "occurred_at": at, "plan": "Pro", "mrr_before": Decimal128("0"),
            "mrr_after": Decimal128("29.00"), "currency": "USD", "charge_id": charge, "detail": extra or None}


def customer(timeline: list[dict[str, Any]], segments: list[str], computed: datetime = T0) -> dict[str, Any]:
    return {"_id": f"{APP}|{SHOP}", "app_id": APP, "shop_id": SHOP, "name": "Shop 9", "domain": "s9.myshopify.com",
            "status": "ACTIVE", "plan": "Pro", "mrr": Decimal128("29.00"), "currency": "USD",
            "timeline": timeline, "segments": segments, "computed_at": computed}


LIVE = Baseline(since=T0 - timedelta(days=1), segments_live=True)


def test_every_timeline_type_of_the_issue_maps_to_an_event_type() -> None:
    assert len(set(TIMELINE_EVENT_TYPES.values())) == 15
    assert all(v.startswith("customer.") for v in TIMELINE_EVENT_TYPES.values())


def test_diff_emits_new_entries_and_segment_changes_in_order() -> None:
    installed = entry("INSTALLED", T0 - timedelta(hours=3))
    old = customer([installed], ["NEW", "AT_RISK"])
    new = customer([installed, entry("TRIAL_STARTED", T0 - timedelta(hours=2), "c1"),
                    entry("STORE_CLOSED", T0 - timedelta(hours=1)),
                    entry("TRIAL_CONVERTED", T0 - timedelta(minutes=30), "c1")], ["NEW", "VIP"])
    events = diff_customer(APP, old, new, LIVE, T0)
    assert [e["type"] for e in events] == ["customer.trial_started", "customer.trial_converted", "segment.left",
                                           "segment.entered"]
    assert [e.get("segment") for e in events[2:]] == ["AT_RISK", "VIP"]
    assert events[0]["entry"]["mrrAfter"] == "29.00" and events[0]["entry"]["occurredAt"].endswith("Z")


def test_ids_are_stable_across_rebuilds_and_differ_per_change() -> None:
    old = customer([], [])
    new = customer([entry("INSTALLED", T0 - timedelta(hours=1))], ["NEW"])
    first = diff_customer(APP, old, new, LIVE, T0)
    again = diff_customer(APP, old, new, LIVE, T0 + timedelta(minutes=5))  # a retry computes later
    assert [e["_id"] for e in first] == [e["_id"] for e in again]
    assert len({e["_id"] for e in first}) == len(first)
    assert diff_customer(APP, new, new, LIVE, T0) == []  # a rebuild of an unchanged customer emits nothing
    # leaving and re-entering a segment later are distinct events
    left = segment_events(APP, SHOP, customer([], ["NEW"], T0), [], T0)
    back = segment_events(APP, SHOP, customer([], [], T0 + timedelta(hours=1)), ["NEW"], T0 + timedelta(hours=1))
    left2 = segment_events(APP, SHOP, customer([], ["NEW"], T0 + timedelta(hours=2)), [], T0 + timedelta(hours=2))
    assert len({left[0]["_id"], back[0]["_id"], left2[0]["_id"]}) == 3


def test_history_up_to_the_baseline_and_segments_before_the_first_recompute_emit_nothing() -> None:
    new = customer([entry("INSTALLED", T0 - timedelta(days=30)), entry("SUBSCRIBED", T0 + timedelta(minutes=1))],
                   ["VIP"])
    first_import = Baseline(since=T0 + timedelta(minutes=1), segments_live=False)
    assert diff_customer(APP, None, new, first_import, T0 + timedelta(minutes=1)) == []
    later = Baseline(since=T0, segments_live=False)
    assert [e["type"] for e in diff_customer(APP, None, new, later, T0 + timedelta(minutes=5))] == [
        "customer.subscribed"]


def test_signature_round_trip_and_refusals() -> None:
    body = b'{"id":"evt_1"}'
    header = signing.signature_header("whsec_abc", 1_700_000_000, body)
    assert header.startswith("t=1700000000,v1=")
    assert signing.verify("whsec_abc", header, body, now=1_700_000_100)
    assert not signing.verify("whsec_abc", header, body + b" ", now=1_700_000_100)  # body changed
    assert not signing.verify("whsec_other", header, body, now=1_700_000_100)  # wrong secret
    assert not signing.verify("whsec_abc", header, body, now=1_700_000_000 + 301)  # too old: a replay
    assert not signing.verify("whsec_abc", "garbage", body, now=1_700_000_000)
    rotated = header + ",v1=" + "0" * 64
    assert signing.verify("whsec_abc", rotated, body, now=1_700_000_000)


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.5", "192.168.1.1", "169.254.169.254",
                                     "0.0.0.0", "100.64.0.1", "224.0.0.1", "::1", "fe80::1", "fc00::1",
                                     "::ffff:127.0.0.1", "::ffff:10.0.0.1", "240.0.0.1", "::"])
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not url_safety.address_allowed(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert url_safety.address_allowed(ipaddress.ip_address(address))


def test_production_urls_must_be_https_and_resolve_publicly() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return {"public.example": ["93.184.216.34"], "inside.example": ["93.184.216.34", "10.0.0.7"],
                "meta.example": ["169.254.169.254"]}[host]

    async def check(url: str, production: bool = True) -> url_safety.Target:
        return await url_safety.check(url, production, resolver)

    assert asyncio.run(check("https://public.example/hook")).addresses == ("93.184.216.34",)
    for url, why in [("http://public.example/hook", "https"), ("https://inside.example/h", "10.0.0.7"),
                     ("https://meta.example/", "169.254.169.254"), ("https://127.0.0.1/", "127.0.0.1"),
                     ("https://[::1]:8443/", "::1"), ("https://user:pw@public.example/", "user name"),
                     ("ftp://public.example/", "https://"), ("https:///nohost", "host")]:
        with pytest.raises(url_safety.UnsafeUrlError, match=why):
            asyncio.run(check(url))
    assert asyncio.run(check("http://127.0.0.1:9/hook", production=False)).addresses == ()


def test_pinned_url_keeps_path_port_and_query() -> None:
    target = url_safety.Target("https://h.example:8443/a/b?x=1", "https", "h.example", 8443, ("93.184.216.34",))
    assert url_safety.pinned_url(target) == "https://93.184.216.34:8443/a/b?x=1"
    v6 = url_safety.Target("https://h.example/a", "https", "h.example", 443, ("2606:4700::1",))
    assert url_safety.pinned_url(v6) == "https://[2606:4700::1]/a"


def test_backoff_doubles_is_capped_and_stops_after_the_window() -> None:
    cfg = DeliveryConfig(backoff_seconds=10, backoff_max_seconds=100, retry_seconds=3600)
    rng = random.Random(1)
    delays = [backoff_delay(cfg, n, rng) for n in range(1, 8)]
    assert 9 <= delays[0] <= 11 and 18 <= delays[1] <= 22 and 36 <= delays[2] <= 44
    assert all(90 <= d <= 110 for d in delays[4:])
    first = T0
    attempt = {"attempt": 3, "at": T0 + timedelta(seconds=3599), "status_code": 500, "duration_ms": 1.0,
               "error": "HTTP 500"}
    pending = retry_outcome(cfg, {"_id": "d", "attempts": 2}, attempt, first)  # type: ignore[arg-type]
    assert pending.state == "pending" and pending.next_attempt_at == first + timedelta(seconds=3600)
    attempt["at"] = T0 + timedelta(seconds=3600)
    assert retry_outcome(cfg, {"_id": "d", "attempts": 3}, attempt, first).state == "failed"  # type: ignore[arg-type]


def test_endpoint_selection() -> None:
    event = {"app_id": APP, "type": "customer.uninstalled", "occurred_at": T0, "customer_segments": ["VIP"]}
    endpoint: dict[str, Any] = {"enabled": True, "app_ids": [], "event_types": [], "segments": [],
                                "created_at": T0 - timedelta(days=1)}
    assert endpoint_wants(endpoint, event)
    assert not endpoint_wants({**endpoint, "enabled": False}, event)
    assert not endpoint_wants({**endpoint, "app_ids": ["gid://partners/App/2"]}, event)
    assert not endpoint_wants({**endpoint, "event_types": ["customer.installed"]}, event)
    assert not endpoint_wants({**endpoint, "created_at": T0 + timedelta(seconds=1)}, event)  # older history
    assert endpoint_wants({**endpoint, "segments": ["VIP"]}, event)
    assert not endpoint_wants({**endpoint, "segments": ["NEW"]}, event)
    seg = {**event, "type": "segment.left", "segment": "NEW"}
    assert endpoint_wants({**endpoint, "segments": ["NEW"]}, seg)


def test_slack_message_is_a_sentence_with_a_link() -> None:
    event = {"_id": "evt_1", "type": "customer.upgraded", "app_id": APP, "shop_id": SHOP, "occurred_at": T0,
             "created_at": T0, "data": {"app": {"id": APP, "name": "Ranky"},
                                        "customer": {"name": "Shop <9>", "domain": "s9.myshopify.com",
                                                     "mrr": {"amount": "79.00", "currencyCode": "USD"}},
                                        "timelineEntry": {"plan": "Plus", "mrrBefore": "29.00", "mrrAfter": "79.00",
                                                          "currency": "USD"}}}
    message = render.slack_message(event, "https://crm.example.com/")
    assert message["text"] == ("Shop &lt;9&gt; (s9.myshopify.com) upgraded to Plus on Ranky: MRR 29.00 USD → 79.00 "
                               "USD <https://crm.example.com/apps/1/customers/9|Open the customer>")


def test_the_documented_python_verification_accepts_our_signatures_and_refuses_others() -> None:
    import re
    import time
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "alerts.md").read_text(encoding="utf-8")
    code = re.search(r"<!-- verify-python -->\n```python\n(.*?)```", doc, re.S)
    assert code is not None
    scope: dict[str, Any] = {}
    exec(compile(code.group(1), "docs/alerts.md", "exec"), scope)  # noqa: S102 - the documented snippet itself
    verify = scope["verify_crm_signature"]
    body = render.body_bytes({"_id": "evt_1", "type": "sync.failed", "app_id": APP, "occurred_at": T0,
                              "created_at": T0, "data": {}}, "json", "https://crm.example.com")
    now = int(time.time())
    header = signing.signature_header("whsec_doc", now, body)
    assert verify("whsec_doc", header, body)
    assert not verify("whsec_doc", header, body.replace(b"evt_1", b"evt_2"))
    assert not verify("whsec_wrong", header, body)
    assert not verify("whsec_doc", signing.signature_header("whsec_doc", now - 600, body), body)


def test_the_graphql_event_type_enum_is_the_list_of_event_types() -> None:
    """`CustomerEventType` (with its descriptions) is written out by hand: it must name every event type, no more."""
    from crm_gateway.graphql.webhooks import CustomerEventType
    from crm_shared.alerts.events import EVENT_TYPES

    assert sorted(t.value for t in CustomerEventType) == sorted(EVENT_TYPES)
