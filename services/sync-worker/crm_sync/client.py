"""The Partner API client: gql over HTTPX, every query validated before it is sent.

`PartnerClient` sends one GraphQL request per page through the shared rate
limiter, retries transient failures (`retry.call_with_retry`) and turns every
answer into data or one of `crm_shared.errors`:

    HTTP 429, or a 200 whose errors say 429   -> RetryableError (Retry-After honoured)
    HTTP 5xx, timeouts, dropped connections    -> RetryableError
    HTTP 401                                   -> PermanentError (bad access token)
    HTTP 404                                   -> PermanentError (unknown API version / organization)
    other 4xx, GraphQL errors, invalid query   -> PermanentError
    {"data": {"app": null}}                    -> PermanentError (unknown or foreign app)
"""

from __future__ import annotations

import contextvars
import json
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import httpx
from gql import Client, GraphQLRequest
from gql.client import AsyncClientSession
from gql.transport.exceptions import TransportError, TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport
from graphql import DocumentNode, ExecutionResult, parse

from crm_shared.errors import PermanentError, RetryableError
from crm_shared.logs import get_logger
from crm_sync import metrics
from crm_sync.queries import APP_EVENTS, APP_SALE_TRANSACTION_TYPES, APP_TRANSACTIONS, validate_document
from crm_sync.rate_limiter import RateLimiter
from crm_sync.retry import call_with_retry

log = get_logger(__name__)


@dataclass(frozen=True)
class PartnerCredentials:
    """Where and as whom to call the Partner API (one organization = one client)."""

    organization_id: str
    access_token: str
    base_url: str
    version: str

    @property
    def endpoint(self) -> str:
        return f"{self.base_url.rstrip('/')}/{self.organization_id}/api/{self.version}/graphql.json"


@dataclass(frozen=True)
class Page:
    """One page of a connection: (cursor, node) edges and whether more follow."""

    edges: list[tuple[str, Any]]
    has_next_page: bool

    @property
    def last_cursor(self) -> str | None:
        return self.edges[-1][0] if self.edges else None


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _is_throttle(errors: Any) -> bool:
    if not isinstance(errors, list):
        return False
    for err in errors:
        if not isinstance(err, dict):
            continue
        code = str((err.get("extensions") or {}).get("code", ""))
        if code in ("429", "THROTTLED") or "too many requests" in str(err.get("message", "")).lower():
            return True
    return False


def classify_response(status: int, headers: httpx.Headers, body: bytes, version: str) -> Any:
    """The decoded JSON body of a usable answer, or the error it stands for."""
    snippet = body[:300].decode("utf-8", "replace")
    if status == 429:
        metrics.THROTTLES.inc()
        raise RetryableError(f"throttled (HTTP 429): {snippet}", retry_after=_retry_after(headers))
    if status >= 500:
        raise RetryableError(f"Partner API server error (HTTP {status}): {snippet}", retry_after=_retry_after(headers))
    if status == 401:
        raise PermanentError(f"Partner API rejected the access token (HTTP 401): {snippet}")
    if status == 404:
        raise PermanentError(f"Partner API version {version!r} or organization not found (HTTP 404): {snippet}")
    if status >= 400:
        raise PermanentError(f"Partner API refused the request (HTTP {status}): {snippet}")
    try:
        result = json.loads(body)
    except ValueError as exc:
        raise RetryableError(f"Partner API answer is not JSON (HTTP {status}): {snippet}") from exc
    if not isinstance(result, dict) or ("data" not in result and "errors" not in result):
        raise RetryableError(f"Partner API answer has no data or errors (HTTP {status}): {snippet}")
    if _is_throttle(result.get("errors")):
        metrics.THROTTLES.inc()
        raise RetryableError("throttled (429 inside an HTTP 200)", retry_after=_retry_after(headers))
    return result


@lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    """The default verifying TLS context, built once per process (loading the CA bundle takes ~50 ms of CPU)."""
    return httpx.create_ssl_context()


class _PartnerTransport(HTTPXAsyncTransport):
    """gql's HTTPX transport with the Partner API's status codes mapped to our errors.

    `on_response` is awaited as soon as a response's headers have arrived, before its body is read."""

    def __init__(self, url: str, headers: dict[str, str], timeout: float, version: str,
                 on_response: Callable[[httpx.Response], Awaitable[None]]) -> None:
        super().__init__(url=url, headers=headers, timeout=timeout, verify=_ssl_context(),
                         event_hooks={"response": [on_response]})
        self._version = version

    def _prepare_result(self, response: httpx.Response) -> ExecutionResult:
        result = classify_response(response.status_code, response.headers, response.content, self._version)
        return ExecutionResult(errors=result.get("errors"), data=result.get("data"),
                               extensions=result.get("extensions"))


@lru_cache(maxsize=32)
def _document(source: str) -> DocumentNode:
    """`source` parsed, once validated against the Partner API schema (`PermanentError` if invalid)."""
    validate_document(source)
    return parse(source)


def warm_up() -> None:
    """Do a process' one-off work ahead of its first sync: build the Partner API schema, validate the
    worker's documents, load the TLS context and HTTPX's lazily imported transport (together a few
    hundred ms of CPU)."""
    for source in (APP_EVENTS, APP_TRANSACTIONS):
        _document(source)
    httpx.AsyncHTTPTransport(verify=_ssl_context())  # opens nothing


@dataclass
class _Grant:
    """A rate-limit grant whose request is out; released once, as early as its answer is known."""

    id: str
    released: bool = False


#: The grant of the request the current task is sending (read by the response hook).
_CURRENT_GRANT: contextvars.ContextVar[_Grant | None] = contextvars.ContextVar("crm_sync_grant", default=None)


def _compact(variables: dict[str, Any]) -> dict[str, Any]:
    """Drop unset variables (the Partner API rejects e.g. ``appId: null``)."""
    return {k: v for k, v in variables.items() if v is not None}


class PartnerClient:
    """Async Partner API client for one organization; use as ``async with``."""

    def __init__(
        self,
        credentials: PartnerCredentials,
        limiter: RateLimiter | None = None,
        timeout: float = 30.0,
        max_attempts: int = 10,
        max_backoff: float = 30.0,
    ) -> None:
        self.credentials = credentials
        self._limiter = limiter
        self._max_attempts = max_attempts
        self._max_backoff = max_backoff
        transport = _PartnerTransport(
            url=credentials.endpoint,
            headers={"X-Shopify-Access-Token": credentials.access_token},
            timeout=timeout,
            version=credentials.version,
            on_response=self._answered,
        )
        # Documents are validated against the committed schema once per process, before their first
        # send (`_document`), so nothing CPU-heavy sits between a rate-limit grant and the request.
        self._client = Client(transport=transport, execute_timeout=timeout + 5)
        self._session: AsyncClientSession | None = None

    async def __aenter__(self) -> PartnerClient:
        self._session = await self._client.connect_async()  # type: ignore[assignment]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.close_async()
        self._session = None

    async def _answered(self, _response: httpx.Response) -> None:
        """Response headers are in: the request has reached the server, its rate-limit place can close
        now rather than after the body is read and decoded (every millisecond here is one lost per
        second of throughput, see `crm_sync.rate_limiter`)."""
        grant = _CURRENT_GRANT.get()
        if grant is not None:
            await self._release(grant)

    async def _release(self, grant: _Grant) -> None:
        if not grant.released and self._limiter is not None:
            grant.released = True
            await self._limiter.release(self.credentials.access_token, grant.id)

    async def _attempt(self, request: GraphQLRequest) -> dict[str, Any]:
        if self._session is None:
            raise RuntimeError("PartnerClient used outside 'async with'")
        grant = None
        if self._limiter is not None:
            started = time.monotonic()
            grant = _Grant(await self._limiter.acquire(self.credentials.access_token))
            metrics.RATE_WAIT.inc(time.monotonic() - started)
        context = _CURRENT_GRANT.set(grant)
        try:
            data = await self._session.execute(request)
        except (RetryableError, PermanentError) as exc:
            metrics.REQUESTS.labels("retryable" if isinstance(exc, RetryableError) else "permanent").inc()
            raise
        except TransportQueryError as exc:
            metrics.REQUESTS.labels("permanent").inc()
            raise PermanentError(f"Partner API query error: {exc}") from exc
        except (TimeoutError, TransportError, httpx.HTTPError, OSError) as exc:
            metrics.REQUESTS.labels("retryable").inc()
            raise RetryableError(f"Partner API unreachable: {type(exc).__name__}: {exc}") from exc
        finally:
            _CURRENT_GRANT.reset(context)
            if grant is not None:
                await self._release(grant)
        metrics.REQUESTS.labels("ok").inc()
        return data  # type: ignore[return-value]

    async def execute(self, source: str, variables: dict[str, Any]) -> dict[str, Any]:
        """Validate and send one query (with retries); the `data` of the answer."""
        request = GraphQLRequest(_document(source), variable_values=_compact(variables))  # validated

        def _on_retry(exc: BaseException, sleep: float) -> None:
            metrics.RETRIES.inc()
            log.warning("partner_api.retry", organization_id=self.credentials.organization_id,
                        wait_seconds=round(sleep, 2), error=f"{type(exc).__name__}: {exc}"[:300])

        return await call_with_retry(
            lambda: self._attempt(request),
            max_attempts=self._max_attempts,
            maximum=self._max_backoff,
            on_retry=_on_retry,
        )

    async def events_page(
        self, app_id: str, first: int, after: str | None, occurred_min: str | None, occurred_max: str | None
    ) -> Page:
        """One page of ``app(id).events``, newest first."""
        data = await self.execute(
            APP_EVENTS,
            {"appId": app_id, "first": first, "after": after, "occurredAtMin": occurred_min,
             "occurredAtMax": occurred_max},
        )
        app = data.get("app")
        if app is None:
            raise PermanentError(f"unknown app {app_id}: the Partner API answered app: null "
                                 "(wrong id, or an app of another organization)")
        return _page(app["events"])

    async def transactions_page(
        self, app_id: str, first: int, after: str | None, created_min: str | None, created_max: str | None
    ) -> Page:
        """One page of the organization's app-sale ``transactions`` of one app."""
        data = await self.execute(
            APP_TRANSACTIONS,
            {"appId": app_id, "first": first, "after": after, "createdAtMin": created_min,
             "createdAtMax": created_max, "types": APP_SALE_TRANSACTION_TYPES},
        )
        return _page(data["transactions"])


def _page(connection: dict[str, Any]) -> Page:
    edges = [(edge["cursor"], edge["node"]) for edge in connection["edges"]]
    return Page(edges=edges, has_next_page=bool(connection["pageInfo"]["hasNextPage"]))
