"""Behind a real nginx: Debian's nginx, started by the tests on loopback, in front of a live
werkzeug server of the app — the way production runs it (README "Deploying").

* ``proxied_app`` — the app configured as in production behind one proxy: ``PUBLIC_URL``
  (https://buildstory.test), ``TRUSTED_PROXY_HOPS=1``, an extra trusted host
  (``app.internal``) and a small per-address sign-in limit, on the run's test database.
* ``nginx`` — nginx from the repository's own site file ``deploy/nginx.conf`` (only the
  listen address and the upstream port rewritten), its config, pid file, logs and temp
  files in a temporary directory, stopped at the end of the session.
* ``HttpClient`` — a tiny HTTP client with a cookie jar that can bind its source address
  (127.0.0.2, 127.0.0.3: loopback is the whole of 127/8), to be two different visitors.

A missing nginx is a failure, not a skip: ``make test`` installs it.
"""
from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from werkzeug.serving import make_server

from buildstory import create_app
from tests.conftest import TEST_PASSWORD  # noqa: F401  (re-exported for the tests)

ROOT = Path(__file__).resolve().parents[2]
SITE_FILE = ROOT / "deploy" / "nginx.conf"
NGINX = os.environ.get("NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
PUBLIC_HOST = "buildstory.test"
PUBLIC_URL = f"https://{PUBLIC_HOST}"
INTERNAL_HOST = "app.internal"
SIGNIN_ADDRESS_LIMIT = 5
TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def proxied_app(app):
    """A second app on the same (migrated) test database, configured for the proxy."""
    application = create_app({
        "TESTING": True,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "ARGON2_PARAMS": app.config["ARGON2_PARAMS"],
        "STATS_CACHE_SECONDS": 0,
        "PUBLIC_URL": PUBLIC_URL,
        "ALLOWED_HOSTS": [INTERNAL_HOST],
        "TRUSTED_PROXY_HOPS": 1,
        "RATE_SIGNIN_ADDRESS": f"{SIGNIN_ADDRESS_LIMIT} per 15 minutes",
    })
    yield application
    with application.app_context():
        from buildstory.db import db
        db.engine.dispose()


@pytest.fixture(scope="session")
def app_server(proxied_app):
    """The proxied app served by werkzeug on loopback (a real HTTP server, threaded)."""
    server = make_server("127.0.0.1", 0, proxied_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def site_config(upstream_port: int, listen_port: int) -> str:
    """The repository's site file, pointed at the test's app server and loopback port."""
    text = SITE_FILE.read_text()
    assert "server 127.0.0.1:8000;" in text and "listen 80;" in text, \
        "deploy/nginx.conf changed shape: update tests/deploy/conftest.py"
    return (text.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};")
            .replace("listen 80;", f"listen 127.0.0.1:{listen_port};"))


@pytest.fixture(scope="session")
def nginx(app_server, tmp_path_factory):
    """Start nginx in front of the app server; yield its port; stop it at the end."""
    if not Path(NGINX).is_file():
        pytest.fail(f"nginx not found at {NGINX}: `make test` installs it "
                    "(apt-get install nginx), or set NGINX=/path/to/nginx")
    base = tmp_path_factory.mktemp("nginx")
    base.chmod(0o755)
    port = _free_port()
    (base / "site.conf").write_text(site_config(app_server, port))
    temp = "".join(f"    {kind}_temp_path {base}/{kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (base / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"pid {base}/nginx.pid;\nerror_log {base}/error.log info;\nworker_processes 1;\n"
        "events { worker_connections 128; }\n"
        f"http {{\n    access_log {base}/access.log;\n{temp}"
        f"    include {base}/site.conf;\n}}\n")
    cmd = [NGINX, "-p", str(base), "-c", str(base / "nginx.conf"), "-e", str(base / "error.log")]
    # nginx daemonises once its listening socket is open: when this returns, it accepts.
    started = subprocess.run(cmd, capture_output=True, text=True)
    assert started.returncode == 0, started.stderr + _read(base / "error.log")
    pid = int((base / "nginx.pid").read_text())
    try:
        yield port
    finally:
        os.kill(pid, signal.SIGQUIT)  # our own master process, by the pid it wrote


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


class HttpClient:
    """One visitor: a source address, a cookie jar, and the Host it sends."""

    def __init__(self, port: int, source: str = "127.0.0.1", host: str = PUBLIC_HOST):
        self.port, self.source, self.host = port, source, host
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None,
                headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30,
                                          source_address=(self.source, 0))
        hdrs = {"Host": self.host, **(headers or {})}
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=hdrs)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        response.text = text
        return response

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def token(self) -> str:
        """This visitor's CSRF token, read from a form of /sign-in."""
        page = self.get("/sign-in")
        assert page.status == 200, page.text[:300]
        match = TOKEN_RE.search(page.text)
        assert match, "no csrf_token field on /sign-in"
        return match.group(1)

    def post(self, path: str, data: dict, **kw):
        return self.request("POST", path, data={**data, "csrf_token": self.token()}, **kw)
