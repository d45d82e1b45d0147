"""The signature of a JSON webhook delivery: Stripe's scheme, with our header name.

    Crm-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>

The timestamp is part of what is signed, so a captured delivery cannot be replayed later: a receiver
rejects a signature whose `t` is more than `tolerance` seconds away from its clock (docs/alerts.md shows
the check in Python and TypeScript).  Several ``v1=`` values may appear while a secret is rotated; any
one that matches is enough.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "Crm-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


def compute(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``"<timestamp>." + body`` under `secret`."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The value of the `Crm-Signature` header."""
    return f"t={timestamp},v1={compute(secret, timestamp, body)}"


def parse_header(header: str) -> tuple[int | None, list[str]]:
    """(timestamp, v1 signatures) of a header value; (None, []) when malformed."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    return timestamp, signatures


def verify(secret: str, header: str, body: bytes, now: float,
           tolerance: float = DEFAULT_TOLERANCE_SECONDS) -> bool:
    """Whether `header` is a valid signature of `body` under `secret`, made within `tolerance` s of `now`."""
    timestamp, signatures = parse_header(header)
    if timestamp is None or not signatures or abs(now - timestamp) > tolerance:
        return False
    expected = compute(secret, timestamp, body)
    return any(hmac.compare_digest(expected, s) for s in signatures)
