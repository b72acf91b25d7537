"""The address guard: webhooks reach public addresses only (docs/rules.md "Webhooks").

A webhook URL is typed by an admin but fetched by our server, so without a guard it could
reach what only the server can (the cloud metadata service, the database, an admin panel
on the private network). Every address the host resolves to must be global; the check
runs when the URL is saved and again at each attempt, and the connection goes to one of
the addresses just checked (never a second lookup an attacker's DNS could answer
differently). ``allow_private`` (WEBHOOK_ALLOW_PRIVATE, on in development and tests)
lifts the address check so a receiver on 127.0.0.1 can be used.
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

MUST_USE_HTTPS = "Webhook URL must use https"
MUST_BE_PUBLIC = "Webhook URL must resolve to a public address"
NOT_ALLOWED = "Address not allowed"


class AddressRefused(Exception):
    """The URL's host resolves to an address the guard refuses (or to none)."""


def is_public(address: str) -> bool:
    """True for a global unicast address (not loopback, private, link-local, CGNAT,
    unique-local, multicast, reserved or unspecified); IPv4-mapped IPv6 is judged as IPv4."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback
                                      or ip.is_link_local or ip.is_private
                                      or ip.is_unspecified))


def target(url: str) -> tuple[str, str, int]:
    """Return (scheme, host, port) of a webhook URL."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, parts.hostname or "", port


def resolve(url: str, *, allow_private: bool) -> list[tuple]:
    """Return the socket addresses to connect to, every one checked; raise AddressRefused
    when the host does not resolve or any of its addresses is not public."""
    _scheme, host, port = target(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise AddressRefused(str(exc)) from None
    if not infos:
        raise AddressRefused(host)
    if not allow_private and not all(is_public(info[4][0]) for info in infos):
        raise AddressRefused(host)
    return [(info[0], info[4]) for info in infos]


def url_error(url: str, *, require_https: bool, allow_private: bool) -> str | None:
    """The message refusing a webhook URL on save, or None (the URL is already a valid
    http(s) URL)."""
    scheme, _host, _port = target(url)
    if require_https and scheme != "https":
        return MUST_USE_HTTPS
    if allow_private:
        return None
    try:
        resolve(url, allow_private=False)
    except AddressRefused:
        return MUST_BE_PUBLIC
    return None
