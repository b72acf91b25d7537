"""CSRF protection bound to a long-lived cookie, with a token masked per response.

The browser gets a random CSRF cookie once; its token is an HMAC of it under the secret
key. Signing in or out does not touch the cookie, so a tab opened before sign-in keeps
working after it, and every tab of the browser shares one valid token. Plain forms send
``csrf_token``; htmx sends ``X-CSRF-Token`` (set on ``<body hx-headers>``).

Pages never carry the token itself: each response carries it XOR-ed with a fresh random
pad (``pad || pad ⊕ token``, hex). A compressed page then holds no secret that repeats
from one response to the next, which is what a BREACH-style attack measures through the
compressed size. The check removes the pad before comparing. An unmasked token (pages
served before masking) is still accepted.

The cookie value is signed (``nonce.mac``), so the per-browser rate limits that key on it
can tell a cookie this site issued from one a client made up: a made-up cookie counts on
the client's address instead (``buildstory/web/limits.py``). Unsigned cookies of earlier
versions still pass the CSRF check and are replaced by a signed one on the next page view.

In production the cookie is called ``__Host-bs_csrf``; a cookie under the old name is read
once and reissued under the new one, so open tabs keep working.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from flask import abort, current_app, g, request

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
COOKIE_MAX_AGE = 400 * 24 * 3600  # browsers cap cookie lifetime at 400 days
TOKEN_BYTES = 32  # an HMAC-SHA256
LEGACY_LENGTH = 43  # token_urlsafe(32), unsigned


def _cookie_mac(nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, b"csrf-cookie:" + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def new_cookie() -> str:
    """Return a fresh signed cookie value: ``<22 random chars>.<22 chars of MAC>``."""
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{_cookie_mac(nonce)}"


def is_signed(value: str) -> bool:
    """True for a cookie value this site issued (its MAC checks out)."""
    nonce, dot, mac = (value or "").partition(".")
    return bool(dot) and len(nonce) == 22 and hmac.compare_digest(mac, _cookie_mac(nonce))


def request_cookie() -> str:
    """This request's CSRF cookie, under its current name or (once) its old one."""
    cfg = current_app.config
    value = request.cookies.get(cfg["CSRF_COOKIE_NAME"], "")
    legacy = cfg.get("LEGACY_CSRF_COOKIE_NAME")
    if not value and legacy:
        value = request.cookies.get(legacy, "")
        if value:
            g._csrf_legacy = True
    return value


def _cookie_value() -> str:
    value = getattr(g, "_csrf_cookie", None)
    if value is None:
        value = request_cookie()
        keep_unsigned = len(value) == LEGACY_LENGTH and request.method not in SAFE_METHODS
        if not (is_signed(value) or keep_unsigned):
            value = new_cookie()
            g._csrf_new = True
        elif g.get("_csrf_legacy"):
            g._csrf_new = True  # reissue under the new name, same value
        g._csrf_cookie = value
    return value


def _raw_token(cookie: str) -> bytes:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, cookie.encode(), hashlib.sha256).digest()


def mask(token: bytes) -> str:
    """Return ``pad || pad ⊕ token`` as hex, with a fresh random pad."""
    pad = secrets.token_bytes(len(token))
    return (pad + bytes(a ^ b for a, b in zip(pad, token))).hex()


def unmask(sent: str) -> bytes | None:
    """Return the token inside a masked (or, for old pages, a plain) hex token."""
    try:
        raw = bytes.fromhex(sent)
    except ValueError:
        return None
    if len(raw) == 2 * TOKEN_BYTES:
        pad, masked = raw[:TOKEN_BYTES], raw[TOKEN_BYTES:]
        return bytes(a ^ b for a, b in zip(pad, masked))
    return raw if len(raw) == TOKEN_BYTES else None


def csrf_token() -> str:
    """Return this browser's CSRF token, masked (template global); computed once per
    request, since a page with a list of forms asks for it once per form."""
    token = getattr(g, "_csrf_token", None)
    if token is None:
        token = g._csrf_token = mask(_raw_token(_cookie_value()))
    return token


# The one POST without a token: one-click unsubscribe (RFC 8058). Mail clients post it
# without cookies, so no token could match; the signed link in the URL authorises it and
# it can only turn an email off.
EXEMPT_ENDPOINTS = frozenset({"mail.unsubscribe"})


def _check() -> None:
    if request.method in SAFE_METHODS or request.routing_exception is not None:
        return  # unknown routes and methods answer 404/405 first
    # The body is parsed first, even when the header carries the token: a body over the
    # cap is a 413 everywhere, also where the view itself reads no form.
    form_token = request.form.get("csrf_token", "")
    if request.endpoint in EXEMPT_ENDPOINTS:
        return
    cookie = request_cookie()
    sent = request.headers.get("X-CSRF-Token") or form_token
    token = unmask(sent) if cookie and sent else None
    if token is None or not hmac.compare_digest(token, _raw_token(cookie)):
        abort(400, description="csrf")


def _set_cookie(response):
    if getattr(g, "_csrf_new", False):
        cfg = current_app.config
        response.set_cookie(cfg["CSRF_COOKIE_NAME"], g._csrf_cookie,
                            max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                            secure=cfg["SESSION_COOKIE_SECURE"])
        if g.get("_csrf_legacy"):
            response.delete_cookie(cfg["LEGACY_CSRF_COOKIE_NAME"],
                                   secure=cfg["SESSION_COOKIE_SECURE"], samesite="Lax")
    return response


def init_csrf(app) -> None:
    """Check the token before every unsafe request and issue the cookie when missing."""
    app.before_request(_check)
    app.after_request(_set_cookie)
    app.jinja_env.globals["csrf_token"] = csrf_token
