"""An app's synchronisation status (from `sync_state`)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from crm_gateway.graphql.enums import SyncState
from crm_shared.store.sync_state import SyncStateDoc


@strawberry.type(description="Where the app's Partner API sync stands.")
class SyncStatus:
    state: SyncState = strawberry.field(description="IDLE, QUEUED, RUNNING or FAILED.")
    queued_at: datetime | None = strawberry.field(description="When the last sync was requested.")
    last_synced_at: datetime | None = strawberry.field(description="End of the last successful sync.")
    last_error: str | None = strawberry.field(description="The last error, if the last sync failed.")
    last_error_permanent: bool = strawberry.field(
        description="The last error will not go away by retrying (bad token, unknown app or version).")
    progress: float | None = strawberry.field(description=(
        "Share (0.0-1.0) of the current or last run's time range read so far; 1.0 when it completed. An app's "
        "first sync, which has no lower bound, is measured against the 5-year backfill floor, so a younger app "
        "jumps to 1.0 at the end. Null when unknown (no sync yet)."))
    events_synced: int = strawberry.field(description="Partner API events stored so far.")
    transactions_synced: int = strawberry.field(description="Partner API transactions stored so far.")


def sync_status_from_doc(doc: SyncStateDoc | None) -> SyncStatus:
    """The status of a `sync_state` document (IDLE with zeros when the app never synced)."""
    doc = doc or {}
    state = doc.get("state") or "IDLE"
    return SyncStatus(
        state=SyncState(state) if state in SyncState.__members__ else SyncState.IDLE,
        queued_at=doc.get("queued_at"),
        last_synced_at=doc.get("last_synced_at"),
        last_error=doc.get("last_error"),
        last_error_permanent=bool(doc.get("last_error_permanent")),
        progress=doc.get("progress"),
        events_synced=int(doc.get("events_synced") or 0),
        transactions_synced=int(doc.get("transactions_synced") or 0),
    )
