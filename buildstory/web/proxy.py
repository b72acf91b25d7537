"""Running behind a reverse proxy: the public address, trusted hosts and client addresses.

* Every absolute URL (reset and invite links, the sitemap, canonical and Open Graph tags,
  emails) is built from ``PUBLIC_URL`` when it is set, never from the request's ``Host``
  header: a request sent with ``Host: evil.example`` cannot make the app mail a link to
  the attacker's domain. Without ``PUBLIC_URL`` (development) the request's host is used.
* Requests whose ``Host`` is neither the public host nor one of ``TRUSTED_HOSTS`` are
  answered 400 before the app sees them (``/healthz`` excepted: load balancers probe it by
  address).
* ``TRUSTED_PROXY_HOPS`` (0 by default) says how many proxies in front of the app append
  to ``X-Forwarded-For`` and set ``X-Forwarded-Proto``: the client address and scheme are
  read from exactly that many hops, so what a client writes into those headers itself is
  ignored. ``X-Forwarded-Host`` is never trusted.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.sansio.utils import host_is_trusted

HEALTH_PATH = "/healthz"


class BuildstoryFlask(Flask):
    """Flask whose external URLs start with the configured ``PUBLIC_URL``."""

    def url_for(self, endpoint, *, _anchor=None, _method=None, _scheme=None,
                _external=None, **values):
        public = self.config.get("PUBLIC_URL")
        in_request = has_request_context()
        external = _external if _external is not None else not in_request
        if not public or not external:
            return super().url_for(endpoint, _anchor=_anchor, _method=_method,
                                   _scheme=_scheme, _external=_external, **values)
        if not in_request:  # a job or command: bind the URL map to the public address
            parts = urlsplit(public)
            adapter = self.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                        url_scheme=parts.scheme)
            url = adapter.build(endpoint, values, method=_method, force_external=True)
            return url + (f"#{_anchor}" if _anchor else "")
        path = super().url_for(endpoint, _anchor=_anchor, _method=_method, _external=False,
                               **values)
        return public.rstrip("/") + _without_script_root(path)


def _without_script_root(path: str) -> str:
    # The public URL already names where the app is mounted (its path, if any); a
    # relative URL built in a request carries the proxy's mount point as script root.
    root = request.script_root
    return path[len(root):] if root and path.startswith(root) else path


def external_url(path: str) -> str:
    """Return an absolute URL for a local ``path`` (template global ``external_url``)."""
    public = current_app.config.get("PUBLIC_URL")
    if public:
        return public.rstrip("/") + path
    return request.host_url.rstrip("/") + path


def public_host(public_url: str) -> str:
    """Return the host name of ``PUBLIC_URL`` (no port), or '' when unset."""
    return (urlsplit(public_url).hostname or "") if public_url else ""


class HostCheck:
    """WSGI middleware: 400 for a ``Host`` header that is not one of ``hosts``."""

    def __init__(self, app, hosts: list[str]):
        self.app, self.hosts = app, hosts

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        if environ.get("PATH_INFO") == HEALTH_PATH or host_is_trusted(host, self.hosts):
            return self.app(environ, start_response)
        body = b"Unknown host\n"
        start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"),
                                           ("Content-Length", str(len(body))),
                                           ("Cache-Control", "no-store")])
        return [body]


def init_proxy(app) -> None:
    """Wrap the WSGI app: proxy headers from the trusted hops, then the host check."""
    hops = int(app.config.get("TRUSTED_PROXY_HOPS") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0,
                                x_prefix=0)
    hosts = list(app.config.get("ALLOWED_HOSTS") or [])
    host = public_host(app.config.get("PUBLIC_URL", ""))
    if host and host not in hosts:
        hosts.insert(0, host)
    if hosts:
        # Outermost, so a bad host is refused before anything else runs.
        app.wsgi_app = HostCheck(app.wsgi_app, hosts)
    app.jinja_env.globals["external_url"] = external_url
