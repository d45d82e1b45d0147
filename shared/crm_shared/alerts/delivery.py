"""The delivery engine: one run works through one endpoint's due deliveries (the `deliver_webhooks` actor).

- **One run per endpoint at a time**: a Redis lease per endpoint (renewed while held; a killed worker's lease
  expires after WEBHOOK_LEASE_SECONDS and its deliveries, still pending, are sent by the next run: at least
  once, each with its stable event id in `Crm-Event-Id` and the body).  A message that finds the lease taken
  sets the endpoint's "again" flag, which the holder checks before and after releasing, so no wake-up is lost.
- **Order**: due deliveries are claimed in event order (`seq`); one customer's events are sent one after the
  other, different customers' concurrently (WEBHOOK_CONCURRENCY requests in flight per endpoint).  When an
  attempt fails, that customer's later events wait with it (not attempted, no attempt counted), in this run
  and in later ones (`webhook_deliveries.waiting`).
- **Slow or dead receivers** cannot stall others: every request has WEBHOOK_TIMEOUT_SECONDS; a timeout or a
  connection failure ends the endpoint's run at once (what was not attempted waits for the failed delivery's
  retry), and each run has a time budget after which it re-queues itself, so a worker thread is never held
  long by one endpoint.
- **Retries**: exponential backoff (WEBHOOK_BACKOFF_SECONDS, doubling, at most WEBHOOK_BACKOFF_MAX_SECONDS,
  ±10 % jitter) for WEBHOOK_RETRY_SECONDS (24 h) from the first attempt; then the delivery is `failed`.
- **Disabling**: an endpoint that has failed WEBHOOK_DISABLE_MIN_FAILURES attempts in a row over at least
  WEBHOOK_DISABLE_AFTER_SECONDS without one success is disabled, with the reason; one that answers 410 Gone is
  disabled at once.
- **Safety**: every attempt re-checks the URL (`url_safety.check`, production rules) and connects to the
  checked address; redirects are not followed (a 3xx is a failed attempt).

Times here are wall-clock (retries and signatures live in real time, whatever CRM_NOW says).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import httpx
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from crm_shared.alerts import render, signing, url_safety
from crm_shared.lease import Lease, wall_clock
from crm_shared.logs import get_logger
from crm_shared.settings import Settings
from crm_shared.store import customer_events, webhook_deliveries, webhook_endpoints
from crm_shared.store.webhook_deliveries import AttemptLog, DeliveryDoc, Outcome
from crm_shared.store.webhook_endpoints import EndpointDoc
from crm_shared.token_cipher import TokenCipher, cipher_from_settings

log = get_logger(__name__)

USER_AGENT = "crm-webhooks/1"
LEASE_PREFIX = "crm:webhooks:lease:"
AGAIN_PREFIX = "crm:webhooks:again:"
WAKE_PREFIX = "crm:webhooks:wake:"


@dataclass(frozen=True)
class DeliveryConfig:
    """The delivery settings (from `Settings`, or given by tests and the benchmark)."""

    timeout: float = 10.0
    concurrency: int = 4
    retry_seconds: float = 86400.0
    backoff_seconds: float = 10.0
    backoff_max_seconds: float = 3600.0
    disable_after_seconds: float = 86400.0
    disable_min_failures: int = 10
    lease_seconds: float = 30.0
    batch_size: int = 200
    run_budget_seconds: float = 20.0
    production: bool = False
    public_url: str = "http://127.0.0.1:8000"
    production_shared: bool = False  # internal: the run's own client is in use

    @classmethod
    def from_settings(cls, s: Settings) -> DeliveryConfig:
        return cls(timeout=s.webhook_timeout_seconds, concurrency=s.webhook_concurrency,
                   retry_seconds=s.webhook_retry_seconds, backoff_seconds=s.webhook_backoff_seconds,
                   backoff_max_seconds=s.webhook_backoff_max_seconds,
                   disable_after_seconds=s.webhook_disable_after_seconds,
                   disable_min_failures=s.webhook_disable_min_failures, lease_seconds=s.webhook_lease_seconds,
                   batch_size=s.webhook_batch_size, production=s.environment == "production",
                   public_url=s.public_url)


@dataclass
class RunReport:
    """What one run did (for logs, tests and the caller's follow-up message)."""

    busy: bool = False
    delivered: int = 0
    failed_attempts: int = 0
    gave_up: int = 0
    deferred: int = 0
    more: bool = False  # the time budget ran out with due deliveries left
    again: bool = False  # a message arrived while the lease was held: run once more
    disabled: str | None = None
    inactive: bool = False  # the endpoint is gone or disabled
    next_due_at: datetime | None = None
    status_codes: list[int] = field(default_factory=list)


def backoff_delay(config: DeliveryConfig, attempts: int, rng: random.Random | None = None) -> float:
    """Seconds before the next attempt after `attempts` failed attempts (±10 % jitter)."""
    base = min(config.backoff_seconds * (2.0 ** max(attempts - 1, 0)), config.backoff_max_seconds)
    jitter: float = (rng or random).random()
    return float(base * (0.9 + 0.2 * jitter))


def retry_outcome(config: DeliveryConfig, delivery: DeliveryDoc, attempt: AttemptLog,
                  first: datetime) -> Outcome:
    """The outcome of a failed attempt: pending with its next attempt, or failed when the window is over."""
    now = attempt["at"]
    window_end = first + timedelta(seconds=config.retry_seconds)
    if now >= window_end:
        return Outcome(delivery["_id"], webhook_deliveries.FAILED, attempt=attempt, first_attempt_at=first)
    nxt = min(now + timedelta(seconds=backoff_delay(config, int(delivery.get("attempts", 0)) + 1)), window_end)
    return Outcome(delivery["_id"], webhook_deliveries.PENDING, next_attempt_at=nxt, attempt=attempt,
                   first_attempt_at=first)


class _Stop(Exception):
    """A timeout or connection failure: the endpoint's run ends."""


async def _attempt(client: httpx.AsyncClient, config: DeliveryConfig, endpoint: EndpointDoc, secret: str,
                   delivery: DeliveryDoc, event: dict[str, Any], resolver: url_safety.Resolver | None
                   ) -> tuple[AttemptLog, bool, bool]:
    """Send one delivery: (its log entry, success, whether the endpoint should stop for this run)."""
    number = int(delivery.get("attempts", 0)) + 1
    at = wall_clock()
    started = time.perf_counter()
    status: int | None = None
    error: str | None = None
    stop = False
    try:
        target = await url_safety.check(endpoint["url"], config.production, resolver)
        body = render.body_bytes(event, endpoint.get("format", "json"), config.public_url)
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, "Crm-Event-Id": event["_id"],
                   "Crm-Event-Type": event["type"], "Crm-Delivery-Attempt": str(number)}
        if endpoint.get("format", "json") == "json":
            headers[signing.HEADER] = signing.signature_header(secret, int(time.time()), body)
        extensions: dict[str, Any] = {}
        if target.addresses:  # production: connect to the address just checked, keep the name for Host and TLS
            headers["Host"] = target.host if target.port in (80, 443) else f"{target.host}:{target.port}"
            extensions["sni_hostname"] = target.host
        response = await client.post(url_safety.pinned_url(target), content=body, headers=headers,
                                     timeout=config.timeout, follow_redirects=False, extensions=extensions)
        status = response.status_code
        if not 200 <= status < 300:
            error = f"HTTP {status}" + (" (redirects are not followed)" if 300 <= status < 400 else "")
    except url_safety.UnsafeUrlError as exc:
        error = f"refused: {exc}"
    except httpx.TimeoutException:
        error = f"timed out after {config.timeout:g} s"
        stop = True
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:300] or type(exc).__name__
        stop = True
    duration = (time.perf_counter() - started) * 1000
    entry: AttemptLog = {"attempt": number, "at": at, "status_code": status, "duration_ms": round(duration, 1),
                         "error": error}
    return entry, error is None, stop


async def _send_batch(client: httpx.AsyncClient, config: DeliveryConfig, endpoint: EndpointDoc, secret: str,
                      batch: list[DeliveryDoc], events: dict[str, Any], resolver: url_safety.Resolver | None,
                      report: RunReport, waiting: dict[str, tuple[str, datetime]]) -> list[Outcome]:
    chains: dict[str, list[DeliveryDoc]] = {}
    for d in batch:
        chains.setdefault(d.get("customer_id") or d["_id"], []).append(d)
    outcomes: list[Outcome] = []
    stop = asyncio.Event()
    gate = asyncio.Semaphore(config.concurrency)

    async def run_chain(chain: list[DeliveryDoc]) -> None:
        blocked_until: datetime | None = None
        earlier = waiting.get(chain[0].get("customer_id") or "")
        if earlier is not None and earlier[0] < chain[0]["seq"]:
            blocked_until = earlier[1]  # an earlier event of this customer waits for its retry
        for d in chain:
            event = events.get(d["event_id"])
            if event is None:  # the event was purged with its app: nothing to send
                outcomes.append(Outcome(d["_id"], webhook_deliveries.FAILED))
                continue
            if blocked_until is not None or stop.is_set():
                wait = blocked_until or (wall_clock() + timedelta(seconds=config.backoff_seconds))
                outcomes.append(Outcome(d["_id"], webhook_deliveries.PENDING, next_attempt_at=wait))
                report.deferred += 1
                continue
            async with gate:
                if stop.is_set():
                    outcomes.append(Outcome(d["_id"], webhook_deliveries.PENDING,
                                            next_attempt_at=wall_clock() + timedelta(seconds=config.backoff_seconds)))
                    report.deferred += 1
                    continue
                entry, ok, halt = await _attempt(client, config, endpoint, secret, d, event, resolver)
            if entry["status_code"] is not None:
                report.status_codes.append(entry["status_code"])
            first = d.get("first_attempt_at") or entry["at"]
            if ok:
                outcomes.append(Outcome(d["_id"], webhook_deliveries.DELIVERED, attempt=entry, first_attempt_at=first))
                report.delivered += 1
                continue
            report.failed_attempts += 1
            outcome = retry_outcome(config, d, entry, first)
            outcomes.append(outcome)
            if outcome.state == webhook_deliveries.FAILED:
                report.gave_up += 1
            else:
                blocked_until = outcome.next_attempt_at
            if entry["status_code"] == 410:
                report.disabled = "the receiver answered 410 Gone"
                stop.set()
            if halt:
                stop.set()

    await asyncio.gather(*(run_chain(c) for c in chains.values()))
    return outcomes


async def _update_health(db: AsyncDatabase[Any], config: DeliveryConfig, endpoint: EndpointDoc,
                         report_delivered: int, failures: int, last_error: str | None, report: RunReport) -> None:
    now = wall_clock()
    if report_delivered:
        await webhook_endpoints.record_success(db, endpoint["_id"], now)
    if failures and not report_delivered:
        doc = await webhook_endpoints.record_failures(db, endpoint["_id"], failures, now)
        if doc is not None and report.disabled is None:
            since = doc.get("failing_since") or now
            if (int(doc.get("consecutive_failures", 0)) >= config.disable_min_failures
                    and (now - since).total_seconds() >= config.disable_after_seconds):
                report.disabled = (f"{doc.get('consecutive_failures')} attempts in a row failed over "
                                   f"{(now - since).total_seconds():.0f} s without a success (last: {last_error})")
    if report.disabled:
        await webhook_endpoints.disable(db, endpoint["_id"], report.disabled, now)
        log.warning("webhooks.endpoint_disabled", endpoint_id=endpoint["_id"], reason=report.disabled)


def new_client(config: DeliveryConfig) -> httpx.AsyncClient:
    """A delivery client: no redirects, no proxies from the environment, bounded pool."""
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
    return httpx.AsyncClient(follow_redirects=False, trust_env=False, limits=limits,
                             timeout=httpx.Timeout(config.timeout))


async def deliver_endpoint(db: AsyncDatabase[Any], redis: Redis, endpoint_id: str, config: DeliveryConfig,
                           client: httpx.AsyncClient, cipher: TokenCipher | None = None,
                           resolver: url_safety.Resolver | None = None,
                           clock: Callable[[], float] = time.monotonic,
                           client_factory: Callable[[], httpx.AsyncClient] | None = None) -> RunReport:
    """Work through the endpoint's due deliveries under its lease (see the module docstring).

    In production the run uses a client of its own (`client_factory`, default `new_client`): requests go to a
    checked IP address, and httpx pools connections by address, so a pool shared between endpoints could send
    one host's request over a connection (and TLS session) opened for another host on the same address."""
    if config.production and not config.production_shared:
        own = (client_factory or (lambda: new_client(config)))()
        try:
            return await deliver_endpoint(db, redis, endpoint_id, replace(config, production_shared=True), own,
                                          cipher, resolver, clock)
        finally:
            await own.aclose()
    report = RunReport()
    again_key = AGAIN_PREFIX + endpoint_id
    await redis.set(again_key, 1, ex=max(int(config.lease_seconds * 4), 10))
    lease = Lease(redis, LEASE_PREFIX + endpoint_id, config.lease_seconds, renew_every=config.lease_seconds / 3)
    if not await lease.acquire():
        report.busy = True
        return report
    started = clock()
    try:
        while True:
            await redis.delete(again_key)
            while True:
                lease.check()
                endpoint = await webhook_endpoints.get(db, endpoint_id)
                if endpoint is None or not endpoint.get("enabled", True):
                    report.inactive = True  # deleted or disabled: nothing to send, no follow-up
                    break
                batch = await webhook_deliveries.due(db, endpoint_id, wall_clock(), config.batch_size)
                if not batch:
                    break
                secret = webhook_endpoints.secret_of(endpoint, cipher) if endpoint.get("format", "json") == "json" \
                    else ""
                events = dict(await customer_events.by_ids(db, [d["event_id"] for d in batch]))
                customers = sorted({str(d["customer_id"]) for d in batch if d.get("customer_id")})
                waiting = await webhook_deliveries.waiting(db, endpoint_id, customers, wall_clock())
                before = (report.delivered, report.failed_attempts)
                outcomes = await _send_batch(client, config, endpoint, secret, batch, events, resolver, report,
                                             waiting)
                lease.check()
                await webhook_deliveries.record_outcomes(db, outcomes, wall_clock())
                last_error = next((o.attempt["error"] for o in reversed(outcomes)
                                   if o.attempt is not None and o.attempt["error"]), None)
                await _update_health(db, config, endpoint, report.delivered - before[0],
                                     report.failed_attempts - before[1], last_error, report)
                if report.disabled or clock() - started > config.run_budget_seconds:
                    report.more = report.disabled is None
                    break
                if report.failed_attempts > before[1] and not any(o.state == webhook_deliveries.DELIVERED
                                                                  for o in outcomes):
                    break  # everything failed: wait for the retries instead of trying the next batch now
            if report.more or report.disabled or not await redis.exists(again_key):
                break
    finally:
        await lease.release()
    report.again = bool(await redis.exists(again_key))
    if not (report.inactive or report.disabled):
        report.next_due_at = await webhook_deliveries.next_due_at(db, endpoint_id)
    log.info("webhooks.run", endpoint_id=endpoint_id, delivered=report.delivered, failed=report.failed_attempts,
             gave_up=report.gave_up, deferred=report.deferred, more=report.more, disabled=report.disabled)
    return report


async def claim_wake(redis: Redis, endpoint_id: str, due_at: datetime) -> float | None:
    """Seconds to delay a wake-up message for `due_at`, or None when one still to come, at or before it, is
    already queued (a wake-up whose time has come is running or ran: it suppresses nothing)."""
    key = WAKE_PREFIX + endpoint_id
    now = wall_clock()
    delay = max((due_at - now).total_seconds(), 0.0)
    current = await redis.get(key)
    if current is not None and now.timestamp() < float(current) <= due_at.timestamp():
        return None
    await redis.set(key, str(due_at.timestamp()), px=int(delay * 1000) + 1000)
    return delay


def default_cipher() -> TokenCipher:
    return cipher_from_settings()
