"""Retry policy for Partner API calls: exponential backoff with jitter.

Only `RetryableError` is retried (429 in HTTP 429 or inside a 200, 5xx,
timeouts, dropped connections).  A server's ``Retry-After`` wins over the
computed backoff.  `PermanentError` goes straight through.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from crm_shared.errors import RetryableError

T = TypeVar("T")


class _WaitHonouringRetryAfter:
    """Retry-After when the error carries one (plus a little jitter), else exponential + jitter."""

    def __init__(self, initial: float, maximum: float) -> None:
        self._backoff = wait_exponential_jitter(multiplier=initial, max=maximum, jitter=initial)
        self._maximum = maximum

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None and retry_after >= 0:
            return float(min(retry_after, self._maximum * 4)) + 0.05
        return float(self._backoff(state))


async def call_with_retry(
    fn: Callable[[], Awaitable[T]],
    max_attempts: int = 10,
    initial: float = 0.25,
    maximum: float = 30.0,
    on_retry: Callable[[BaseException, float], None] | None = None,
) -> T:
    """Run `fn` until it succeeds, a permanent error, or `max_attempts` tries."""

    def _before_sleep(state: RetryCallState) -> None:
        if on_retry is not None and state.outcome is not None and state.next_action is not None:
            exc = state.outcome.exception()
            if exc is not None:
                on_retry(exc, state.next_action.sleep)

    retrying = AsyncRetrying(
        retry=retry_if_exception_type(RetryableError),
        stop=stop_after_attempt(max_attempts),
        wait=_WaitHonouringRetryAfter(initial, maximum),
        before_sleep=_before_sleep,
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await fn()
    raise AssertionError("unreachable: tenacity reraises the last error")
