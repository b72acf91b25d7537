"""A real HTTP receiver on loopback for webhook tests: it records every request.

``Receiver(status=204)`` answers every POST with ``status``; ``slow=True`` holds each
answer until the test ends (the sender must give up on its own); ``redirect`` answers a
302 to that URL. ``requests`` holds (path, headers as a dict, body bytes) per request.
"""
from __future__ import annotations

import http.server
import threading


class Receiver:
    def __init__(self, status: int = 204, *, slow: bool = False, redirect: str | None = None,
                 host: str = "127.0.0.1"):
        self.status, self.slow, self.redirect = status, slow, redirect
        self.requests: list[tuple[str, dict, bytes]] = []
        self.release = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append((self.path, dict(self.headers.items()), body))
                if receiver.slow:
                    receiver.release.wait(30)
                self.send_response(302 if receiver.redirect else receiver.status)
                if receiver.redirect:
                    self.send_header("Location", receiver.redirect)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        family_server = http.server.ThreadingHTTPServer
        if ":" in host:
            class V6(http.server.ThreadingHTTPServer):
                address_family = __import__("socket").AF_INET6
            family_server = V6
        self.server = family_server((host, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
