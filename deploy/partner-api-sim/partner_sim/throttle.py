"""The Partner API rate limit: a token bucket of ``rate`` requests/s per access token."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    """One bucket: ``capacity`` tokens, refilled at ``rate`` per second."""

    rate: float
    capacity: float
    tokens: float
    updated: float

    def take(self, now: float) -> bool:
        """Consume one token if available."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass
class Throttle:
    """Buckets per access token (unknown tokens share nothing: each gets its own bucket)."""

    rate: float
    capacity: float
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, TokenBucket] = field(default_factory=dict)

    def allow(self, token: str) -> bool:
        """True when a request with ``token`` may proceed now."""
        now = self.clock()
        bucket = self._buckets.get(token)
        if bucket is None:
            bucket = self._buckets[token] = TokenBucket(self.rate, self.capacity, self.capacity, now)
        return bucket.take(now)

    def reset(self) -> None:
        """Forget every bucket."""
        self._buckets.clear()
