"""Where a webhook may go: the server-side request forgery (SSRF) guard.

A webhook URL is chosen by a tenant, and Ratecard's worker POSTs to it from inside the
operator's network. So, outside development mode:

* the scheme is https;
* the host's every address (a literal IP, or every address its name resolves to) is a
  public one: not private (10/8, 172.16/12, 192.168/16, fc00::/7), loopback (127/8, ::1),
  link-local (169.254/16, fe80::/10, where cloud metadata services live), shared
  (100.64/10), multicast, reserved, unspecified, nor an IPv4 address mapped into IPv6;
* the worker connects to the very address it checked (webhooks.py pins it), so a name that
  resolves to something else a moment later (DNS rebinding) cannot slip through.

In development mode (RATECARD_ENV=development) any address is allowed, and http only to
loopback, so a developer can point an endpoint at a receiver on their machine.

The check runs when an endpoint is registered (the HTTP layer, before its SQL call) and
again before every send (the worker), where a refusal is a failed attempt.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[..., list[tuple[Any, ...]]]


class UrlRefused(ValueError):
    """The URL may not receive webhooks; the message says why (shown to the caller)."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (addresses, in resolver order) and for which host."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[IP, ...]


def _public(ip: IP) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and (ip.ipv4_mapped or ip.sixtofour or ip.teredo):
        return False
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, development: bool, resolve: Resolver = socket.getaddrinfo) -> Target:
    """The URL's target if webhooks may go there, else UrlRefused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlRefused(f"not a valid URL: {exc}") from None
    if parts.scheme not in ("https", "http"):
        raise UrlRefused("a webhook URL starts with https://")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("a webhook URL carries no user name or password")
    host = parts.hostname
    if not host:
        raise UrlRefused("a webhook URL names a host")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        literal: IP | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses: tuple[IP, ...] = (literal,)
    else:
        try:
            infos = resolve(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise UrlRefused(f"the host {host} does not resolve: {exc}") from None
        found: list[IP] = []
        for info in infos:
            ip = ipaddress.ip_address(str(info[4][0]).split("%")[0])
            if ip not in found:
                found.append(ip)
        if not found:
            raise UrlRefused(f"the host {host} does not resolve")
        addresses = tuple(found)
    if parts.scheme == "http" and not (development and all(a.is_loopback for a in addresses)):
        raise UrlRefused(
            "a webhook URL starts with https:// (http:// only to a loopback address in"
            " development mode)"
        )
    if not development:
        bad = [a for a in addresses if not _public(a)]
        if bad:
            where = f"{host} is" if literal is not None else f"{host} resolves to {bad[0]},"
            raise UrlRefused(
                f"{where} not a public address (private, loopback, link-local and reserved"
                " addresses are refused)"
            )
    return Target(url=url, scheme=parts.scheme, host=host, port=port, addresses=addresses)
