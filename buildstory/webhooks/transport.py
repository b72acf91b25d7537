"""One HTTP POST to a webhook, standard library only, within a total time budget.

The connection goes to an address ``guard.resolve`` just checked (TLS still verifies the
URL's host name). Redirects are never followed (a 3xx is a failure like any non-2xx),
at most 1 KB of the answer's body is read, and the whole exchange — connect, TLS, send,
answer — must end within ``timeout`` seconds in total: each socket operation gets only
the time left, so a receiver trickling bytes cannot hold a worker longer.
"""
from __future__ import annotations

import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from . import guard

TIMEOUT_SECONDS = 5
BODY_READ_MAX = 1024
HEAD_MAX = 16 * 1024
USER_AGENT = "Buildstory-Webhooks/1"
_LOOKUPS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook-dns")


class DeliveryFailed(Exception):
    """An attempt failed; ``str(exc)`` is the endpoint's last_error."""

    def __init__(self, message: str, status_code: int | None = None):
        super().__init__(message)
        self.status_code = status_code


class _Deadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise socket.timeout()
        return remaining


def _connect(addresses, deadline: _Deadline) -> socket.socket:
    error: OSError | None = None
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(deadline.left())
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            if isinstance(exc, socket.timeout):
                raise
            error = exc
    raise error or OSError("no address")


def _request(host: str, port: int, scheme: str, path: str, body: bytes,
             headers: dict) -> bytes:
    default = 443 if scheme == "https" else 80
    host_header = host if ":" not in host else f"[{host}]"
    if port != default:
        host_header += f":{port}"
    lines = [f"POST {path} HTTP/1.1", f"Host: {host_header}", f"User-Agent: {USER_AGENT}",
             f"Content-Length: {len(body)}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _read_status(sock: socket.socket, deadline: _Deadline) -> int:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < HEAD_MAX:
        sock.settimeout(deadline.left())
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    parts = head.split(b"\r\n", 1)[0].split()
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
        raise DeliveryFailed("Invalid HTTP response")
    # A little of the body, never more than 1 KB: nothing in it is used.
    while len(rest) < BODY_READ_MAX:
        try:
            sock.settimeout(min(deadline.left(), 0.2))
            chunk = sock.recv(BODY_READ_MAX - len(rest))
        except (socket.timeout, OSError):
            break
        if not chunk:
            break
        rest += chunk
    return int(parts[1])


def post(url: str, body: bytes, headers: dict, *, allow_private: bool,
         timeout: float = TIMEOUT_SECONDS) -> int:
    """POST ``body`` and return the 2xx status; raise DeliveryFailed("HTTP 502",
    "Timed out after 5 s", "Address not allowed", …) otherwise."""
    scheme, host, port = guard.target(url)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    deadline = _Deadline(timeout)
    try:
        # The lookup counts against the same budget (a resolver that hangs cannot hold
        # the worker): it runs in a helper thread the call stops waiting for.
        addresses = _LOOKUPS.submit(guard.resolve, url,
                                    allow_private=allow_private).result(deadline.left())
    except guard.AddressRefused:
        raise DeliveryFailed(guard.NOT_ALLOWED) from None
    except (TimeoutError, socket.timeout):
        raise DeliveryFailed(f"Timed out after {timeout:g} s") from None
    try:
        sock = _connect(addresses, deadline)
        try:
            if scheme == "https":
                sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
            sock.settimeout(deadline.left())
            sock.sendall(_request(host, port, scheme, path, body, headers))
            status = _read_status(sock, deadline)
        finally:
            sock.close()
    except socket.timeout:
        raise DeliveryFailed(f"Timed out after {timeout:g} s") from None
    except ssl.SSLError as exc:
        raise DeliveryFailed(f"TLS error: {exc.reason or exc}"[:200]) from None
    except OSError as exc:
        raise DeliveryFailed(f"Connection failed: {exc.strerror or exc}"[:200]) from None
    if not 200 <= status < 300:
        raise DeliveryFailed(f"HTTP {status}", status)
    return status
