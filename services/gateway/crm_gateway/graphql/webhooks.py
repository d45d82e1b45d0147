"""Alerts in the API: webhook endpoints (queries, mutations), their delivery log, replays, and the
`CustomerEvent` type the live feed (`subscription.py`) streams.  docs/alerts.md describes the rules.

Managing endpoints needs a full-access key, like every mutation (`read_only_keys`); reading them does not
reveal their signing secret, which is shown once, in the answer of `createWebhookEndpoint` and
`rotateWebhookSecret`.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from crm_shared.alerts import endpoints as ops
from crm_shared.alerts.render import event_body
from crm_shared.errors import NotFoundError, UserInputError
from crm_shared.messages import DeliverWebhooks, send
from crm_shared.store import webhook_deliveries, webhook_endpoints


@strawberry.enum(description="What happened to a customer (or an app's sync): customer.* events follow new "
                             "timeline entries, segment.* a segment entered or left, sync.failed a sync that "
                             "stopped on a permanent error. The value is the event's `type` in webhooks.")
class CustomerEventType(Enum):
    CUSTOMER_INSTALLED = strawberry.enum_value(
        "customer.installed", description="The shop installed the app for the first time.")
    CUSTOMER_REINSTALLED = strawberry.enum_value(
        "customer.reinstalled", description="The shop installed the app again after an uninstall.")
    CUSTOMER_UNINSTALLED = strawberry.enum_value(
        "customer.uninstalled", description="The shop uninstalled the app (its churn, when it was paying).")
    CUSTOMER_TRIAL_STARTED = strawberry.enum_value(
        "customer.trial_started", description="A subscription with a trial was activated.")
    CUSTOMER_TRIAL_CONVERTED = strawberry.enum_value(
        "customer.trial_converted", description="A trial ended with its subscription still live: the shop now pays.")
    CUSTOMER_SUBSCRIBED = strawberry.enum_value(
        "customer.subscribed", description="The shop's first paid subscription without a trial was activated.")
    CUSTOMER_UPGRADED = strawberry.enum_value(
        "customer.upgraded", description="A plan change to a higher monthly amount.")
    CUSTOMER_DOWNGRADED = strawberry.enum_value(
        "customer.downgraded", description="A plan change to a lower monthly amount.")
    CUSTOMER_PLAN_CHANGED = strawberry.enum_value(
        "customer.plan_changed", description="A plan change at the same amount, or across currencies.")
    CUSTOMER_CANCELLED = strawberry.enum_value(
        "customer.cancelled", description="A live subscription was cancelled (not by a plan change or an uninstall).")
    CUSTOMER_REACTIVATED = strawberry.enum_value(
        "customer.reactivated", description="A shop that had paid and churned has a live subscription again.")
    CUSTOMER_FROZEN = strawberry.enum_value(
        "customer.frozen", description="The live subscription was frozen (the store's billing is paused).")
    CUSTOMER_UNFROZEN = strawberry.enum_value(
        "customer.unfrozen", description="A frozen subscription became active again.")
    CUSTOMER_CHARGE_DECLINED = strawberry.enum_value(
        "customer.charge_declined", description="The merchant declined a subscription charge.")
    CUSTOMER_CHARGE_EXPIRED = strawberry.enum_value(
        "customer.charge_expired", description="A subscription charge expired without being accepted.")
    SEGMENT_ENTERED = strawberry.enum_value(
        "segment.entered", description="The customer entered a segment (built-in or saved).")
    SEGMENT_LEFT = strawberry.enum_value(
        "segment.left", description="The customer left a segment (built-in or saved).")
    SYNC_FAILED = strawberry.enum_value(
        "sync.failed", description="A sync of the app stopped on a permanent error (e.g. a revoked Partner API token).")


@strawberry.enum(description="What an endpoint receives.")
class WebhookFormat(Enum):
    JSON = strawberry.enum_value(
        "json", description="The event as JSON, signed (Crm-Signature header).")
    SLACK = strawberry.enum_value(
        "slack", description="A Slack incoming-webhook message: a sentence and a link.")


@strawberry.enum(description="Where a delivery stands.")
class WebhookDeliveryState(Enum):
    PENDING = strawberry.enum_value(
        "pending", description="Not delivered yet (due, or waiting for a retry).")
    DELIVERED = strawberry.enum_value(
        "delivered", description="The receiver answered 2xx.")
    FAILED = strawberry.enum_value(
        "failed", description="Every retry failed for 24 hours; replay to send again.")


@strawberry.type(description="One attempt of a delivery.")
class WebhookAttempt:
    attempt: int = strawberry.field(description="1 for the first attempt.")
    at: datetime = strawberry.field(description="When it was made.")
    status_code: int | None = strawberry.field(description="The receiver's HTTP status; null when none came.")
    duration_ms: float = strawberry.field(description="How long it took, in milliseconds.")
    error: str | None = strawberry.field(description="Why it failed; null when it succeeded.")


@strawberry.type(description="One event sent (or to be sent) to one endpoint, with its attempt log.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="The delivery's id.")
    event_id: str = strawberry.field(description="The event's stable id (also in the Crm-Event-Id header).")
    event_type: CustomerEventType = strawberry.field(description="The event's type.")  # type: ignore[valid-type]
    state: WebhookDeliveryState = strawberry.field(description="Where it stands.")
    attempts: int = strawberry.field(description="Attempts made so far.")
    created_at: datetime = strawberry.field(description="When it was queued.")
    next_attempt_at: datetime | None = strawberry.field(description="When a pending delivery is tried next.")
    delivered_at: datetime | None = strawberry.field(description="When the receiver accepted it.")
    last_status_code: int | None = strawberry.field(description="The last attempt's HTTP status.")
    last_error: str | None = strawberry.field(description="The last attempt's error.")
    log: list[WebhookAttempt] = strawberry.field(description="The last 20 attempts, oldest first.")


def delivery_from_doc(d: dict[str, Any]) -> WebhookDelivery:
    return WebhookDelivery(
        id=strawberry.ID(d["_id"]), event_id=d["event_id"], event_type=CustomerEventType(d["event_type"]),
        state=WebhookDeliveryState(d["state"]), attempts=int(d.get("attempts", 0)), created_at=d["created_at"],
        next_attempt_at=d.get("next_attempt_at") if d["state"] == "pending" else None,
        delivered_at=d.get("delivered_at"), last_status_code=d.get("last_status_code"),
        last_error=d.get("last_error"),
        log=[WebhookAttempt(attempt=a["attempt"], at=a["at"], status_code=a.get("status_code"),
                            duration_ms=float(a.get("duration_ms") or 0), error=a.get("error"))
             for a in d.get("log") or []])


@strawberry.type(description="How many deliveries of an endpoint are in each state.")
class WebhookDeliveryCounts:
    pending: int = strawberry.field(description="Not delivered yet.")
    delivered: int = strawberry.field(description="Accepted by the receiver.")
    failed: int = strawberry.field(description="Given up after 24 hours of retries.")


@strawberry.type(description="Where your alerts go: a URL, what it receives, its health and its delivery log.")
class WebhookEndpoint:
    id: strawberry.ID = strawberry.field(description="The endpoint's id (whe_...).")
    url: str = strawberry.field(description="Where events are POSTed.")
    event_types: list[CustomerEventType] = strawberry.field(  # type: ignore[valid-type]
        description="The event types it receives; empty: every type.")
    app_ids: list[strawberry.ID] = strawberry.field(description="The apps it covers; empty: every app of yours.")
    segments: list[str] = strawberry.field(
        description="Only customers in one of these segments (and changes of these segments); empty: everyone.")
    format: WebhookFormat = strawberry.field(description="JSON or SLACK.")
    description: str = strawberry.field(description="Your note.")
    enabled: bool = strawberry.field(description="False when disabled, by a user or for failing.")
    disabled_reason: str | None = strawberry.field(description="Why it was disabled.")
    disabled_at: datetime | None = strawberry.field(description="When it was disabled.")
    created_at: datetime = strawberry.field(description="When it was created: it receives nothing older.")
    consecutive_failures: int = strawberry.field(description="Failed attempts since the last success.")
    last_success_at: datetime | None = strawberry.field(description="The last accepted delivery.")
    _doc: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="How many of its deliveries are pending, delivered and failed.")
    async def delivery_counts(self, info: Info) -> WebhookDeliveryCounts:
        c = await webhook_deliveries.counts(info.context.db, str(self.id))
        return WebhookDeliveryCounts(pending=c["pending"], delivered=c["delivered"], failed=c["failed"])

    @strawberry.field(description="Its deliveries, newest event first, with their attempt logs.")
    async def deliveries(
        self, info: Info,
        first: Annotated[int, strawberry.argument(description="At most this many (1-200).")] = 20,
        state: Annotated[WebhookDeliveryState | None, strawberry.argument(
            description="Only deliveries in this state.")] = None,
    ) -> list[WebhookDelivery]:
        if not 1 <= first <= 200:
            raise UserInputError("first must be between 1 and 200")
        docs = await webhook_deliveries.of_endpoint(info.context.db, str(self.id), first,
                                                    state.value if state else None)
        return [delivery_from_doc(dict(d)) for d in docs]


def endpoint_from_doc(d: dict[str, Any]) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=strawberry.ID(d["_id"]), url=d["url"],
        event_types=[CustomerEventType(t) for t in d.get("event_types") or []],
        app_ids=[strawberry.ID(a) for a in d.get("app_ids") or []], segments=list(d.get("segments") or []),
        format=WebhookFormat(d.get("format", "json")), description=d.get("description") or "",
        enabled=bool(d.get("enabled", True)), disabled_reason=d.get("disabled_reason"),
        disabled_at=d.get("disabled_at"), created_at=d["created_at"],
        consecutive_failures=int(d.get("consecutive_failures") or 0), last_success_at=d.get("last_success_at"),
        _doc=d)


@strawberry.type(description="A new endpoint, or one whose secret was rotated: `signingSecret` is shown this once.")
class WebhookEndpointWithSecret:
    signing_secret: str = strawberry.field(
        description="The key of the Crm-Signature HMAC (whsec_...); stored encrypted, never shown again.")
    endpoint: WebhookEndpoint = strawberry.field(description="The endpoint.")


@strawberry.type(description="A customer event (the body of a JSON webhook, and what the live feed streams).")
class CustomerEvent:
    id: strawberry.ID = strawberry.field(description="Stable id: the same change always has the same id.")
    type: CustomerEventType = strawberry.field(description="What happened.")  # type: ignore[valid-type]
    occurred_at: datetime = strawberry.field(description="When it happened (the timeline entry's time, or when "
                                                         "the segment change was computed).")
    created_at: datetime = strawberry.field(description="When the CRM recorded it.")
    app_id: strawberry.ID = strawberry.field(description="The app.")
    customer_id: strawberry.ID | None = strawberry.field(description="The customer (null for sync.failed).")
    data: JSON = strawberry.field(description="The JSON webhook's `data`: app, customer, timelineEntry or "
                                              "segment, or sync (docs/alerts.md).")


def event_from_doc(e: dict[str, Any]) -> CustomerEvent:
    body = event_body(e)
    return CustomerEvent(id=strawberry.ID(e["_id"]), type=CustomerEventType(e["type"]),
                         occurred_at=e["occurred_at"], created_at=e["created_at"], app_id=strawberry.ID(e["app_id"]),
                         customer_id=strawberry.ID(e["customer_id"]) if e.get("customer_id") else None,
                         data=body["data"])


@strawberry.input(description="An endpoint's settings.")
class WebhookEndpointInput:
    url: str = strawberry.field(description="https URL (http allowed outside production); must resolve to a "
                                            "public address in production.")
    event_types: list[CustomerEventType] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Types to receive; omitted or empty: every type.")
    app_ids: list[strawberry.ID] | None = strawberry.field(default=None,
                                                           description="Apps to cover; omitted: every app.")
    segments: list[str] | None = strawberry.field(default=None, description="Segment keys (VIP, saved:...).")
    format: WebhookFormat = strawberry.field(default=WebhookFormat.JSON, description="JSON or SLACK.")
    description: str = strawberry.field(default="", description="A note, at most 200 characters.")


@strawberry.input(description="What to change on an endpoint (omitted fields stay).")
class WebhookEndpointUpdate:
    url: str | None = strawberry.field(default=None, description="A new URL (checked as when created).")
    event_types: list[CustomerEventType] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="The types to receive; empty: every type.")
    app_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="The apps; empty: every app.")
    segments: list[str] | None = strawberry.field(default=None, description="Segment keys; empty: everyone.")
    format: WebhookFormat | None = strawberry.field(default=None, description="JSON or SLACK.")
    description: str | None = strawberry.field(default=None, description="A note.")
    enabled: bool | None = strawberry.field(default=None, description="true enables a disabled endpoint (its "
                                                                      "failure record is cleared).")


def _spec(value: WebhookEndpointInput | WebhookEndpointUpdate, enabled: bool | None = None) -> ops.EndpointInput:
    return ops.EndpointInput(
        url=value.url, event_types=[t.value for t in value.event_types] if value.event_types is not None else None,
        app_ids=[str(a) for a in value.app_ids] if value.app_ids is not None else None,
        segments=value.segments, format=value.format.value if value.format is not None else None,
        description=value.description, enabled=enabled)


EndpointIdArg = Annotated[strawberry.ID, strawberry.argument(description="The endpoint's id (whe_...).")]


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="Your webhook endpoints, oldest first.")
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        docs = await webhook_endpoints.of_organization(info.context.db, info.context.org_id)
        return [endpoint_from_doc(dict(d)) for d in docs]

    @strawberry.field(description="One of your webhook endpoints (null when you have none with that id).")
    async def webhook_endpoint(self, info: Info, id: EndpointIdArg) -> WebhookEndpoint | None:
        doc = await webhook_endpoints.get(info.context.db, str(id), info.context.org_id)
        return endpoint_from_doc(dict(doc)) if doc else None


def _wake(info: Info, endpoint_id: str) -> None:
    send(info.context.broker(), DeliverWebhooks(endpoint_id=endpoint_id))


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(description="Create a webhook endpoint; the answer holds its signing secret, once. It "
                                     "receives events that happen from now on.")
    async def create_webhook_endpoint(
        self, info: Info,
        input: Annotated[WebhookEndpointInput, strawberry.argument(description="The endpoint's settings.")],
    ) -> WebhookEndpointWithSecret:
        ctx = info.context
        doc, secret = await ops.create_endpoint(ctx.db, ctx.org_id, _spec(input), production=ctx.production,
                                                now=ctx.now)
        return WebhookEndpointWithSecret(signing_secret=secret, endpoint=endpoint_from_doc(dict(doc)))

    @strawberry.mutation(description="Change an endpoint; `enabled: true` enables one that was disabled (its "
                                     "pending deliveries are then sent).")
    async def update_webhook_endpoint(
        self, info: Info, id: EndpointIdArg,
        input: Annotated[WebhookEndpointUpdate, strawberry.argument(description="What to change.")],
    ) -> WebhookEndpoint:
        ctx = info.context
        doc = await ops.update_endpoint(ctx.db, ctx.org_id, str(id), _spec(input, input.enabled),
                                        production=ctx.production, now=ctx.now)
        if doc.get("enabled"):
            _wake(info, str(id))
        return endpoint_from_doc(dict(doc))

    @strawberry.mutation(description="Delete an endpoint and its delivery log; false when there was none.")
    async def delete_webhook_endpoint(self, info: Info, id: EndpointIdArg) -> bool:
        return await ops.delete_endpoint(info.context.db, info.context.org_id, str(id))

    @strawberry.mutation(description="Replace an endpoint's signing secret; the answer holds the new one, once.")
    async def rotate_webhook_secret(self, info: Info, id: EndpointIdArg) -> WebhookEndpointWithSecret:
        ctx = info.context
        result = await webhook_endpoints.rotate_secret(ctx.db, ctx.org_id, str(id), ctx.now)
        if result is None:
            raise NotFoundError(f"no webhook endpoint with id {str(id)!r}")
        doc, secret = result
        return WebhookEndpointWithSecret(signing_secret=secret, endpoint=endpoint_from_doc(dict(doc)))

    @strawberry.mutation(description="Send events to an endpoint again: one event (`eventId`), or every event "
                                     "it selects that was recorded in [from, to). Returns how many were queued.")
    async def replay_webhook_events(
        self, info: Info, endpoint_id: EndpointIdArg,
        event_id: Annotated[str | None, strawberry.argument(description="One event's id (evt_...).")] = None,
        from_: Annotated[datetime | None, strawberry.argument(
            name="from", description="Start of the range (inclusive), when events were recorded.")] = None,
        to: Annotated[datetime | None, strawberry.argument(description="End of the range (exclusive).")] = None,
    ) -> int:
        ctx = info.context
        from crm_shared.lease import wall_clock

        count = await ops.replay(ctx.db, ctx.org_id, str(endpoint_id), event_id=event_id, start=from_, end=to,
                                 now=wall_clock())
        if count:
            _wake(info, str(endpoint_id))
        return count
