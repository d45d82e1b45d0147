"""The Starlette application: /graphql, /export/customers.csv, /healthz, /readyz, /metrics, GraphiQL assets,
and the web console at /."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime

import dramatiq
from pymongo.asynchronous.database import AsyncDatabase
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from strawberry.http.websocket_origin import normalize_allowed_origins

from crm_gateway.console import console_routes
from crm_gateway.cors import cors_middleware, parse_origins
from crm_gateway.export import make_export_endpoint
from crm_gateway.graphiql_page import STATIC_DIR
from crm_gateway.graphql.schema import make_schema
from crm_gateway.health import healthz, make_readyz
from crm_gateway.http_view import GatewayView
from crm_gateway.indexes import ensure_indexes
from crm_gateway.list_index.manager import ListIndex
from crm_gateway.metrics import Metrics, MetricsMiddleware
from crm_shared.broker import make_broker
from crm_shared.clock import utcnow
from crm_shared.connections import Connector
from crm_shared.mongo import get_db
from crm_shared.settings import get_settings


def create_app(
    db: AsyncDatabase | None = None,
    broker: dramatiq.Broker | None = None,
    redis_url: str | None = None,
    clock: Callable[[], datetime] = utcnow,
    production: bool | None = None,
    create_indexes: bool = True,
    list_index: bool | ListIndex | None = None,
    connector: Callable[[], Connector] | None = None,
    cors_origins: list[str] | None = None,
) -> Starlette:
    """The gateway app. Defaults come from settings (MONGODB_URI, REDIS_URL, CRM_ENV); tests pass their own."""
    settings = get_settings()
    is_production = settings.environment == "production" if production is None else production
    state: dict[str, object] = {}

    def get_database() -> AsyncDatabase:
        return db if db is not None else get_db()

    def get_redis_url() -> str:
        return redis_url or get_settings().redis_url

    def get_broker() -> dramatiq.Broker:
        if broker is not None:
            return broker
        if "broker" not in state:
            state["broker"] = make_broker(get_redis_url())
        return state["broker"]  # type: ignore[return-value]

    metrics = Metrics()
    index: ListIndex | None
    if isinstance(list_index, ListIndex):
        index = list_index
    elif list_index if list_index is not None else settings.list_index:
        index = ListIndex(get_database, max_bytes=settings.list_index_max_mb * 1024 * 1024,
                          check_seconds=settings.list_index_check_seconds, metrics=metrics)
    else:
        index = None
    view = GatewayView(make_schema(is_production), get_database, get_broker, clock, is_production, index)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if create_indexes:
            await ensure_indexes(get_database())
        if index is not None and not index.started:
            await index.start()
        try:
            yield
        finally:
            if index is not None:
                await index.stop()

    routes = [
        Route("/graphql", view, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", view),  # subscriptions (graphql-transport-ws)
        Route("/export/customers.csv", make_export_endpoint(get_database, clock), methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", make_readyz(get_database, get_redis_url, index), methods=["GET"]),
        Route("/metrics", metrics.endpoint, methods=["GET"]),
    ]
    if not is_production:
        routes.append(Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"))
    view.connector = connector
    routes += console_routes()  # the web console at "/", last: its history fallback catches other GETs
    origins = cors_origins if cors_origins is not None else parse_origins(settings.cors_origins)
    view.allowed_origins = normalize_allowed_origins(origins)  # browser pages allowed to open the live feed
    middleware = [Middleware(MetricsMiddleware, metrics=metrics)]
    if origins:
        middleware.insert(0, cors_middleware(origins))
    return Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
