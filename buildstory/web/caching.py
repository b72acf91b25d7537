"""Caching headers: nothing personal is ever stored by a shared cache or the browser's disk.

Every response to a signed-in request, every admin page, and every response that sets the
session cookie carries ``Cache-Control: private, no-store``. Responses that mark themselves
``public`` (static files and the avatars of visible builders: content-addressed, the same
for everyone) keep their long-lived caching. Everything but those varies by ``Cookie``,
so a cache in front never hands one visitor's page to another.
"""
from __future__ import annotations

from flask import current_app, g, request

PRIVATE = "private, no-store"


def _headers(response):
    cache = response.headers.get("Cache-Control", "")
    if "public" in cache:
        return response
    response.vary.add("Cookie")
    session_cookie = current_app.config["SESSION_COOKIE_NAME"] + "="
    if (g.get("profile") is not None or request.path.startswith("/admin")
            or any(v.startswith(session_cookie) for v in response.headers.getlist("Set-Cookie"))):
        response.headers["Cache-Control"] = PRIVATE
    return response


def init_caching(app) -> None:
    """Install the caching headers on every response."""
    app.after_request(_headers)
