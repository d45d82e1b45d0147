"""Which webhook URLs the CRM calls (server-side request forgery guard).

In production (``CRM_ENV=production``) an endpoint URL must be ``https`` and every address its host resolves
to must be a public unicast address: loopback, private (RFC 1918, unique-local), link-local (169.254/16,
which holds cloud metadata services, and fe80::/10), carrier-grade NAT, multicast, reserved and unspecified
addresses are refused, IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.  The check runs
when the endpoint is saved *and* before every delivery, and the delivery then connects to the very address
it checked (the TLS name stays the host's), so a DNS answer that changes in between (DNS rebinding) cannot
point a delivery inward.  Redirects are never followed (a 3xx answer is a failed attempt).

In development any http(s) URL is allowed (the tests' receivers listen on 127.0.0.1).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from crm_shared.errors import UserInputError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
MAX_URL_LENGTH = 2048


class UnsafeUrlError(UserInputError):
    """An endpoint URL the CRM refuses to call (the message says why)."""


@dataclass(frozen=True)
class Target:
    """A checked URL: its parts and, in production, the public addresses its host resolved to."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...] = ()


def address_allowed(address: str | Address) -> bool:
    """Whether a delivery may connect to `address`: a global unicast address (IPv4-mapped judged as IPv4)."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified):
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return False
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"):
        return False  # carrier-grade NAT: is_global says False, is_private does not cover it on every Python
    return ip.is_global


def parse(url: str, production: bool) -> Target:
    """The URL's parts; `UnsafeUrlError` for a malformed one, or one that is not https in production."""
    if not isinstance(url, str) or not url.strip() or len(url) > MAX_URL_LENGTH:
        raise UnsafeUrlError(f"an endpoint URL must be 1-{MAX_URL_LENGTH} characters")
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrlError(f"not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeUrlError("an endpoint URL must start with https:// (or http:// outside production)")
    if production and parts.scheme != "https":
        raise UnsafeUrlError("endpoint URLs must use https in production")
    if not parts.hostname:
        raise UnsafeUrlError("an endpoint URL needs a host name")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrlError("an endpoint URL may not carry a user name or password")
    if parts.fragment:
        raise UnsafeUrlError("an endpoint URL may not have a #fragment")
    return Target(url=url, scheme=parts.scheme, host=parts.hostname,
                  port=port or (443 if parts.scheme == "https" else 80))


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the operating system's resolver)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


async def check(url: str, production: bool, resolver: Resolver | None = None) -> Target:
    """`url` checked for a delivery or for saving: in production, resolved and every address allowed.

    `UnsafeUrlError` says what is wrong (including a host that does not resolve)."""
    target = parse(url, production)
    if not production:
        return target
    try:
        literal: Address | None = ipaddress.ip_address(target.host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = await (resolver or system_resolver)(target.host, target.port)
        except (OSError, UnicodeError) as exc:
            raise UnsafeUrlError(f"the host {target.host!r} does not resolve: {exc}") from None
        if not addresses:
            raise UnsafeUrlError(f"the host {target.host!r} does not resolve")
    refused = [a for a in addresses if not address_allowed(a)]
    if refused:
        raise UnsafeUrlError(f"the host {target.host!r} resolves to a loopback, private, link-local or reserved "
                             f"address ({', '.join(refused)}); endpoints must be public")
    return Target(url=target.url, scheme=target.scheme, host=target.host, port=target.port,
                  addresses=tuple(addresses))


def pinned_url(target: Target) -> str:
    """The target's URL with its host replaced by the first checked address (the request then carries the
    original Host header and TLS server name)."""
    if not target.addresses:
        return target.url
    parts = urlsplit(target.url)
    ip = ipaddress.ip_address(target.addresses[0])
    host = f"[{ip}]" if isinstance(ip, ipaddress.IPv6Address) else str(ip)
    netloc = f"{host}:{parts.port}" if parts.port else host
    return parts._replace(netloc=netloc).geturl()
