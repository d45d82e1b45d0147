"""Prometheus metrics of the sync worker (served on SYNC_METRICS_PORT when set)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, start_http_server

REQUESTS = Counter("crm_sync_partner_requests", "Partner API requests sent", ["outcome"])
THROTTLES = Counter("crm_sync_partner_throttles", "Partner API 429 answers (HTTP 429 or inside a 200)")
RETRIES = Counter("crm_sync_partner_retries", "Partner API requests retried after a transient error")
RATE_WAIT = Counter("crm_sync_rate_limit_wait_seconds", "Seconds spent waiting for the shared token bucket")
EVENTS_STORED = Counter("crm_sync_events_stored", "Event documents upserted", ["app_id"])
TRANSACTIONS_STORED = Counter("crm_sync_transactions_stored", "Transaction documents upserted", ["app_id"])
MALFORMED = Counter("crm_sync_malformed_nodes", "Partner API nodes skipped as malformed", ["stream"])
LAG = Gauge("crm_sync_lag_seconds", "now - watermark of the stream", ["app_id", "stream"])
RUNS = Counter("crm_sync_runs", "Finished sync runs", ["kind", "outcome"])

_started: set[int] = set()


def serve(port: int | None) -> bool:
    """Expose /metrics on `port` (once per process); False when off."""
    if not port or port in _started:
        return False
    start_http_server(port)
    _started.add(port)
    return True
