"""A small fake of Twitch's token endpoint and Helix /streams, on 127.0.0.1, for tests.

    with FakeHelix() as fake:
        fake.live = [stream("alice", game_id="509670")]
        client = HelixClient("id", "secret", api_base=fake.api_base, auth_base=fake.auth_base)

``fake.requests`` records (method, path, query dict of lists, headers) of every call;
``fake.down = True`` answers 503, ``fake.reject_token_once = True`` answers the next
/streams call with 401, ``fake.extra`` is returned unfiltered (a sloppy upstream).
"""
from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CLIENT_ID = "test-client-id"
CLIENT_SECRET = "test-client-secret"


def stream(login, *, game_id="509670", game_name="Software and Game Development",
           title="Building an agent live", viewers=42):
    """Return one Helix stream object as Twitch sends it."""
    return {"id": f"s-{login}", "user_id": f"u-{login}", "user_login": login,
            "user_name": login.title(), "game_id": game_id, "game_name": game_name,
            "type": "live", "title": title, "viewer_count": viewers,
            "started_at": "2025-01-01T10:00:00Z", "language": "en",
            "thumbnail_url": f"https://static-cdn.jtvnw.net/previews-ttv/{login}-{{width}}x{{height}}.jpg"}


class FakeHelix:
    def __init__(self):
        self.live: list[dict] = []
        self.extra: list[dict] = []
        self.requests: list[tuple] = []
        self.down = False
        self.reject_token_once = False
        self.tokens_issued = 0
        self.expires_in = 3600
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                fake.requests.append(("POST", self.path, form, dict(self.headers)))
                if fake.down:
                    return self._answer(503, {"message": "down"})
                if (self.path != "/oauth2/token" or form.get("client_id") != [CLIENT_ID]
                        or form.get("client_secret") != [CLIENT_SECRET]
                        or form.get("grant_type") != ["client_credentials"]):
                    return self._answer(400, {"message": "invalid client"})
                fake.tokens_issued += 1
                self._answer(200, {"access_token": f"token-{fake.tokens_issued}",
                                   "expires_in": fake.expires_in, "token_type": "bearer"})

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(url.query)
                fake.requests.append(("GET", url.path, query, dict(self.headers)))
                if fake.down:
                    return self._answer(503, {"message": "down"})
                if url.path != "/helix/streams":
                    return self._answer(404, {"message": "not found"})
                if fake.reject_token_once:
                    fake.reject_token_once = False
                    return self._answer(401, {"message": "Invalid OAuth token"})
                if (self.headers.get("Client-Id") != CLIENT_ID
                        or self.headers.get("Authorization") != f"Bearer token-{fake.tokens_issued}"):
                    return self._answer(401, {"message": "Invalid OAuth token"})
                games, logins = set(query.get("game_id", [])), set(query.get("user_login", []))
                data = [s for s in fake.live
                        if (not games or s["game_id"] in games)
                        and (not logins or s["user_login"] in logins)]
                self._answer(200, {"data": data + fake.extra, "pagination": {}})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,),
                                       daemon=True)
        base = f"http://127.0.0.1:{self.server.server_port}"
        self.api_base = f"{base}/helix"
        self.auth_base = f"{base}/oauth2"

    def streams_requests(self):
        return [r for r in self.requests if r[1] == "/helix/streams"]

    def token_requests(self):
        return [r for r in self.requests if r[1] == "/oauth2/token"]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
