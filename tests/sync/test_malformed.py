"""Malformed nodes are logged, counted and skipped; the rest of the sync goes on."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import structlog

from crm_shared.mongo import PARTNER_EVENTS
from crm_shared.store import partner_events
from crm_sync import metrics
from crm_sync.client import Page
from crm_sync.parse import parse_event
from crm_sync.store import store_events
from crm_sync.streams import INCREMENTAL, RunSettings, StreamRunner, StreamSpec
from crm_sync.windows import Window
from tests.sync.harness import sync_state
from tests.sync.nodes import APP, install_event, subscription_event

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)


def _pages() -> list[Page]:
    bad_money = subscription_event(at="2026-02-10T00:00:00Z", amount="twenty")
    no_shop = install_event(at="2026-02-09T00:00:00Z")
    del no_shop["shop"]
    unknown = {**install_event(at="2026-02-08T00:00:00Z"), "type": "RELATIONSHIP_TELEPORTED"}
    return [
        Page([("c1", install_event(at="2026-02-20T00:00:00Z", shop_n=1)), ("c2", bad_money)], True),
        Page([("c3", no_shop), ("c4", unknown), ("c5", install_event(at="2026-02-01T00:00:00Z", shop_n=2))], False),
    ]


async def test_malformed_nodes_are_skipped_counted_and_logged(db) -> None:
    pages = _pages()
    asked: list[str | None] = []

    async def fetch(after: str | None, window: Window) -> Page:
        asked.append(after)
        return pages[0] if after is None else pages[1]

    spec = StreamSpec(name="events", fetch=fetch, parse=parse_event, store=store_events, time_field="occurred_at",
                      count_field="events_synced", count_stored=partner_events.count, newest_first=True,
                      stored_metric=metrics.EVENTS_STORED)
    settings = RunSettings(now=lambda: NOW, overlap=timedelta(days=3), window=timedelta(days=90),
                           floor=NOW - timedelta(days=3650))

    async def notify(shop_ids: list[str]) -> None:
        pass

    runner = StreamRunner(db, APP, spec, settings, notify, lambda s, p: p, lambda: None)
    with structlog.testing.capture_logs() as logs:
        report = await runner.run(INCREMENTAL)
    assert asked == [None, "c2"]
    assert report.malformed == 3 and report.items == 5
    assert await db[PARTNER_EVENTS].count_documents({}) == 2  # nothing half-written
    st = await sync_state(db, APP)
    assert st["malformed_count"] == 3
    assert st["events_synced"] == 2
    assert st["streams"]["events"]["watermark"] == datetime(2026, 2, 20, tzinfo=timezone.utc)
    malformed = [e for e in logs if e["event"] == "sync.malformed_node"]
    assert len(malformed) == 3 and all(e["stream"] == "events" and e["log_level"] == "warning" for e in malformed)
    assert any("RELATIONSHIP_TELEPORTED" in e["node"] and e["cursor"] == "c4" for e in malformed)
