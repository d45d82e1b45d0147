"""An in-process gateway for the alert tests, and the GraphQL documents they send."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from pymongo.asynchronous.database import AsyncDatabase

from crm_gateway.app import create_app

CREATE = """mutation($input: WebhookEndpointInput!) { createWebhookEndpoint(input: $input) {
  signingSecret endpoint { id url format eventTypes createdAt enabled } } }"""
ENDPOINT = """query($id: ID!) { webhookEndpoint(id: $id) { id enabled disabledReason consecutiveFailures
  deliveryCounts { pending delivered failed }
  deliveries(first: 200) { eventId eventType state attempts lastStatusCode log { attempt statusCode durationMs error } }
} }"""
REPLAY = """mutation($id: ID!, $event: String, $from: DateTime, $to: DateTime) {
  replayWebhookEvents(endpointId: $id, eventId: $event, from: $from, to: $to) }"""


def gateway(db: AsyncDatabase, redis_url: str, now: datetime, production: bool = False) -> Any:
    return create_app(db=db, redis_url=redis_url, clock=lambda: now, production=production, create_indexes=False,
                      list_index=False)


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test")


async def gql(c: httpx.AsyncClient, key: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    r = await c.post("/graphql", json={"query": query, "variables": variables or {}},
                     headers={"Authorization": f"Bearer {key}"})
    assert r.status_code < 500, r.text
    return dict(r.json())


async def data(c: httpx.AsyncClient, key: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    body = await gql(c, key, query, variables)
    assert "errors" not in body, body
    return body["data"]
