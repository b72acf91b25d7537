"""CSRF protection bound to a long-lived cookie.

The browser gets a random ``bs_csrf`` cookie once; the token is an HMAC of it under the
secret key. Signing in or out does not touch the cookie, so a tab opened before sign-in
keeps working after it, and every tab of the browser shares one valid token. Plain forms
send ``csrf_token``; htmx sends ``X-CSRF-Token`` (set on ``<body hx-headers>``).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import abort, current_app, g, request

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
COOKIE_MAX_AGE = 400 * 24 * 3600  # browsers cap cookie lifetime at 400 days


def _cookie_value() -> str:
    value = getattr(g, "_csrf_cookie", None)
    if value is None:
        value = request.cookies.get(current_app.config["CSRF_COOKIE_NAME"], "")
        if len(value) != 43:  # token_urlsafe(32)
            value = secrets.token_urlsafe(32)
            g._csrf_new = True
        g._csrf_cookie = value
    return value


def csrf_token() -> str:
    """Return this browser's CSRF token (template global); computed once per request,
    since a page with a list of forms asks for it once per form."""
    token = getattr(g, "_csrf_token", None)
    if token is None:
        key = current_app.config["SECRET_KEY"].encode()
        token = g._csrf_token = hmac.new(key, _cookie_value().encode(),
                                         hashlib.sha256).hexdigest()
    return token


def _check() -> None:
    if request.method in SAFE_METHODS or request.routing_exception is not None:
        return  # unknown routes and methods answer 404/405 first
    # The body is parsed first, even when the header carries the token: a body over the
    # cap is a 413 everywhere, also where the view itself reads no form.
    form_token = request.form.get("csrf_token", "")
    cookie = request.cookies.get(current_app.config["CSRF_COOKIE_NAME"], "")
    sent = request.headers.get("X-CSRF-Token") or form_token
    if not cookie or not sent or not hmac.compare_digest(sent, csrf_token()):
        abort(400, description="csrf")


def _set_cookie(response):
    if getattr(g, "_csrf_new", False):
        response.set_cookie(current_app.config["CSRF_COOKIE_NAME"], g._csrf_cookie,
                            max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def init_csrf(app) -> None:
    """Check the token before every unsafe request and issue the cookie when missing."""
    app.before_request(_check)
    app.after_request(_set_cookie)
    app.jinja_env.globals["csrf_token"] = csrf_token
