"""Queue ``sync``: sync_app, backfill_app and ingest_shop_profiles, declared by `declare_actors`.

Names and payloads are the message contracts of `crm_shared.messages`; each
actor validates its payload and hands it to `crm_sync.handlers` on its worker
thread's event loop (`crm_shared.actor_runtime`).  Nothing is declared at
import time.
"""

from __future__ import annotations

from typing import Any

import dramatiq

from crm_shared import messages
from crm_shared.actor_runtime import Clients, ThreadRuntime
from crm_shared.heartbeat import declare_heartbeat
from crm_shared.messages import BackfillApp, SyncApp
from crm_shared.settings import Settings
from crm_sync import handlers

HOUR_MS = 3_600_000


def declare_actors(broker: dramatiq.Broker, settings: Settings) -> dict[str, dramatiq.Actor[Any, Any]]:
    """Declare sync_app, backfill_app and ingest_shop_profiles on `broker`; returns them by name."""
    runtime: ThreadRuntime[Clients] = ThreadRuntime(
        broker, lambda: Clients.open(settings.mongodb_uri, settings.mongodb_db, settings.redis_url),
        Clients.aclose,
    )
    declare_heartbeat(broker, messages.SYNC_QUEUE, settings.redis_url)  # the container healthcheck reads it

    def sync_app(app_id: str, reason: str = "scheduled", requested_at: str | None = None) -> None:
        msg = SyncApp(app_id=app_id, reason=reason, requested_at=requested_at)
        runtime.run(lambda c: handlers.handle_sync_app(c.db, c.redis, broker, msg))

    def backfill_app(app_id: str, since: str | None = None, reason: str = "manual",
                     requested_at: str | None = None) -> None:
        msg = BackfillApp(app_id=app_id, since=since, reason=reason, requested_at=requested_at)
        runtime.run(lambda c: handlers.handle_backfill_app(c.db, c.redis, broker, msg))

    def ingest_shop_profiles(app_id: str, profiles: list[dict[str, Any]]) -> None:
        # Each profile is validated on its own by the handler: one bad profile does not reject the others.
        runtime.run(lambda c: handlers.handle_ingest_shop_profiles(c.db, broker, app_id, profiles))

    # Long time limits: a first sync of a big app runs for hours at 4 requests/s; if a limit or a
    # crash stops one anyway, the retried message resumes from the last checkpoint.
    return runtime.declare(messages.SYNC_QUEUE, {
        messages.SYNC_APP: (sync_app, {"max_retries": 5, "time_limit": 12 * HOUR_MS}),
        messages.BACKFILL_APP: (backfill_app, {"max_retries": 5, "time_limit": 72 * HOUR_MS}),
        messages.INGEST_SHOP_PROFILES: (ingest_shop_profiles, {"max_retries": 5}),
    })
