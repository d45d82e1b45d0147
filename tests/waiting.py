"""Waiting on conditions (never on fixed sleeps): poll a probe until it holds, fail with what was last seen."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 240.0, interval: float = 0.2) -> T:
    """Poll `probe` until it returns something truthy; fail with its last value after `timeout` seconds."""
    start = time.monotonic()
    deadline = start + timeout
    last: Any = None
    while True:
        try:
            last = probe()
        except AssertionError:
            raise
        except Exception as exc:  # noqa: BLE001 - a part still starting or being restarted: keep polling
            last = exc
        if last:
            _trace(what, start)
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {last!r}")
        time.sleep(interval)


async def eventually(what: str, probe: Callable[[], Awaitable[T | None]], timeout: float = 240.0,
                     interval: float = 0.2) -> T:
    """`wait_for` for an async probe."""
    start = time.monotonic()
    deadline = start + timeout
    last: Any = None
    while True:
        try:
            last = await probe()
        except AssertionError:
            raise
        except Exception as exc:  # noqa: BLE001
            last = exc
        if last:
            _trace(what, start)
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {last!r}")
        await asyncio.sleep(interval)


def _trace(what: str, start: float) -> None:
    """With CRM_TEST_TRACE_WAITS=1, print how long each wait took (to find where a slow test spends its time)."""
    if os.environ.get("CRM_TEST_TRACE_WAITS"):
        print(f"[wait {time.monotonic() - start:7.2f}s] {what}", file=sys.stderr)
