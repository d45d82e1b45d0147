"""Deterministic id counters shared by every merchant life of one generated organization."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class IdSource:
    """Sequential gids per kind (same seed and parameters → same ids)."""

    _counters: dict[str, int] = field(default_factory=dict)

    def next(self, kind: str, start: int = 1) -> int:
        """The next number for ``kind``."""
        n = self._counters.get(kind, start - 1) + 1
        self._counters[kind] = n
        return n

    def subscription(self) -> str:
        """A new ``AppSubscription`` gid."""
        return f"gid://shopify/AppSubscription/{self.next('sub', 11000)}"

    def one_time(self) -> str:
        """A new ``AppPurchaseOneTime`` gid."""
        return f"gid://shopify/AppPurchaseOneTime/{self.next('otp', 21000)}"

    def usage_record(self) -> str:
        """A new ``AppUsageRecord`` gid."""
        return f"gid://shopify/AppUsageRecord/{self.next('usage', 31000)}"

    def credit(self) -> str:
        """A new ``AppCredit`` gid."""
        return f"gid://shopify/AppCredit/{self.next('credit', 41000)}"

    def transaction(self, typename: str) -> str:
        """A new transaction gid (one number space for every transaction type)."""
        return f"gid://partners/{typename}/{self.next('txn', 500000)}"
