"""Prometheus metrics: request counts and latency per route, served at `GET /metrics`."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ROUTES = ("/graphql", "/export/customers.csv", "/healthz", "/readyz", "/metrics")


class Metrics:
    """The gateway's collectors, in their own registry (one per app instance)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("crm_gateway_requests_total", "HTTP requests by route, method and status",
                                ["route", "method", "status"], registry=self.registry)
        self.latency = Histogram("crm_gateway_request_seconds", "HTTP request latency by route",
                                 ["route", "method"], registry=self.registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.index_events = Counter("crm_list_index_events_total",
                                    "List index loads, load failures and evictions", ["event"],
                                    registry=self.registry)
        self.index_repairs = Counter("crm_list_index_repairs_total",
                                     "List index reloads forced by a disagreement with MongoDB or a lost stream",
                                     ["reason"], registry=self.registry)
        self.index_changes = Counter("crm_list_index_changes_total", "Customer changes applied to the list index",
                                     registry=self.registry)
        self.index_apply = Histogram("crm_list_index_apply_seconds", "Time to apply one batch of changes",
                                     registry=self.registry,
                                     buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
        self.index_bytes = Gauge("crm_list_index_bytes", "Estimated bytes held by the list index",
                                 registry=self.registry)
        self.index_rows = Gauge("crm_list_index_rows", "Customers held by the list index", registry=self.registry)

    def list_index_event(self, what: str, reason: str = "") -> None:
        if what == "repairs":
            self.index_repairs.labels(reason or "unknown").inc()
        else:
            self.index_events.labels(what).inc()

    def list_index_apply(self, changes: int, seconds: float) -> None:
        self.index_changes.inc(changes)
        self.index_apply.observe(seconds)

    def list_index_size(self, nbytes: int, rows: int) -> None:
        self.index_bytes.set(nbytes)
        self.index_rows.set(rows)

    async def endpoint(self, request: Request) -> Response:
        """`GET /metrics` in the Prometheus text format."""
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    """Pure ASGI middleware timing every HTTP request (streamed bodies until their last chunk)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        route = path if path in ROUTES else ("/static" if path.startswith("/static/") else "other")
        method = scope.get("method", "GET")
        start = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.metrics.requests.labels(route, method, str(status["code"])).inc()
            self.metrics.latency.labels(route, method).observe(time.perf_counter() - start)
