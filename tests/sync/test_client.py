"""Answer classification, retry policy, query validation (pure) and when a rate-limit grant is released."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from crm_shared.errors import PermanentError, RetryableError
from crm_sync.client import PartnerClient, PartnerCredentials, classify_response
from crm_sync.queries import API_VERSIONS, APP_EVENTS, APP_TRANSACTIONS, validate_document
from crm_sync.retry import call_with_retry

THROTTLED = json.dumps({"errors": [{"message": "Too many requests", "extensions": {"code": "429"}}]}).encode()


def _classify(status: int, body: bytes, headers: dict[str, str] | None = None):
    return classify_response(status, httpx.Headers(headers or {}), body, "2026-04")


def test_http_429_is_retryable_with_retry_after() -> None:
    with pytest.raises(RetryableError) as info:
        _classify(429, THROTTLED, {"Retry-After": "2"})
    assert info.value.retry_after == 2.0


def test_429_inside_a_200_is_retryable() -> None:
    with pytest.raises(RetryableError, match="inside an HTTP 200"):
        _classify(200, THROTTLED)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retryable(status: int) -> None:
    with pytest.raises(RetryableError):
        _classify(status, b'{"errors":[{"message":"Internal error"}]}')


def test_truncated_answer_is_retryable() -> None:
    with pytest.raises(RetryableError, match="not JSON"):
        _classify(200, b'{"data": {"app"')


@pytest.mark.parametrize("status, needle", [(401, "access token"), (404, "version"), (400, "refused")])
def test_client_errors_are_permanent(status: int, needle: str) -> None:
    with pytest.raises(PermanentError, match=needle):
        _classify(status, b'{"errors":[{"message":"x"}]}')


def test_good_answer_is_returned() -> None:
    assert _classify(200, b'{"data": {"app": null}}') == {"data": {"app": None}}


def test_committed_queries_validate_against_the_partner_schema() -> None:
    validate_document(APP_EVENTS)
    validate_document(APP_TRANSACTIONS)


async def test_invalid_query_is_refused_before_anything_is_sent() -> None:
    creds = PartnerCredentials("1", "tok", "http://127.0.0.1:9", "2026-04")  # nothing listens there
    async with PartnerClient(creds, max_attempts=1) as client:
        with pytest.raises(PermanentError, match="endCursor"):
            await client.execute("query { app(id: \"x\") { events { pageInfo { endCursor } } } }", {})


async def test_retry_honours_retry_after_and_stops_on_permanent_errors() -> None:
    calls: list[str] = []
    sleeps: list[float] = []

    async def flaky() -> str:
        calls.append("x")
        if len(calls) < 3:
            raise RetryableError("throttled", retry_after=0.2)
        return "ok"

    assert await call_with_retry(flaky, on_retry=lambda exc, s: sleeps.append(s)) == "ok"
    assert len(calls) == 3 and all(0.2 <= s < 0.3 for s in sleeps)

    async def broken() -> str:
        calls.append("p")
        raise PermanentError("401")

    with pytest.raises(PermanentError):
        await call_with_retry(broken)
    assert calls.count("p") == 1


async def test_retry_gives_up_after_max_attempts() -> None:
    calls: list[int] = []

    async def down() -> None:
        calls.append(1)
        raise RetryableError("502")

    with pytest.raises(RetryableError):
        await call_with_retry(down, max_attempts=3, initial=0.01, maximum=0.02)
    assert len(calls) == 3


class _RecordingLimiter:
    """Stands in for `RateLimiter`: grants at once and records when each grant is released."""

    def __init__(self) -> None:
        self.released: list[tuple[str, float]] = []

    async def acquire(self, access_token: str) -> str:
        return f"grant{len(self.released)}"

    async def release(self, access_token: str, request_id: str) -> None:
        self.released.append((request_id, asyncio.get_running_loop().time()))


async def _slow_body_server(body: bytes, delay: float, sent: dict[str, float]) -> asyncio.Server:
    """HTTP/1.1 server answering every request with its headers at once and `body` `delay` s later."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).lower()
        await reader.readexactly(int(head.split(b"content-length:")[1].split(b"\r\n")[0]))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body))
        await writer.drain()
        sent["headers"] = asyncio.get_running_loop().time()
        await asyncio.sleep(delay)
        writer.write(body)
        await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


async def test_the_rate_limit_grant_is_released_when_the_response_headers_arrive() -> None:
    sent: dict[str, float] = {}
    server = await _slow_body_server(b'{"data": {"publicApiVersions": []}}', 0.5, sent)
    port = server.sockets[0].getsockname()[1]
    limiter = _RecordingLimiter()
    try:
        async with PartnerClient(PartnerCredentials("1", "tok", f"http://127.0.0.1:{port}", "2026-04"),
                                 limiter, max_attempts=1) as client:  # type: ignore[arg-type]
            assert await client.execute(API_VERSIONS, {}) == {"publicApiVersions": []}
            answered = asyncio.get_running_loop().time()
    finally:
        server.close()
        await server.wait_closed()
    # Once, as soon as the headers were in: the request had reached the server by then, whereas the
    # body came half a second later.
    assert [grant for grant, _ in limiter.released] == ["grant0"]
    released_at = limiter.released[0][1]
    assert released_at - sent["headers"] < 0.2 and answered - released_at > 0.3


async def test_a_grant_whose_request_got_no_answer_is_released_once() -> None:
    creds = PartnerCredentials("1", "tok", "http://127.0.0.1:9", "2026-04")  # nothing listens there
    limiter = _RecordingLimiter()
    async with PartnerClient(creds, limiter, max_attempts=1) as client:  # type: ignore[arg-type]
        with pytest.raises(RetryableError, match="unreachable"):
            await client.execute(API_VERSIONS, {})
    assert [grant for grant, _ in limiter.released] == ["grant0"]
