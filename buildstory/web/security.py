"""Security headers and the Server-Timing header on every response."""
from __future__ import annotations

import time

from flask import current_app, g, has_app_context, request
from sqlalchemy import event

# Responses that reveal nothing about timing (docs/rules.md "Accounts and sessions").
NO_TIMING_PREFIXES = ("/sign-in", "/sign-up", "/forgot-password", "/reset-password/",
                      "/settings/account")


def content_security_policy(app) -> str:
    """Return the CSP: no inline or eval'd scripts, no inline styles, no framing."""
    script = "'self'"
    connect = "'self'"
    img = "'self' data:"
    frontend = app.config.get("CLERK_FRONTEND_ORIGIN")
    if app.config.get("AUTH_PROVIDER") == "clerk" and frontend:
        script += f" {frontend}"
        connect += f" {frontend}"
    image_host = app.config.get("CLERK_IMAGE_HOST")
    if app.config.get("AUTH_PROVIDER") == "clerk" and image_host:
        img += f" https://{image_host}"  # Clerk's profile images, and nothing else
    return ("default-src 'self'; "
            f"script-src {script}; style-src 'self'; img-src {img}; "
            f"connect-src {connect}; font-src 'self'; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'")


def _start_timer():
    g._t0 = time.perf_counter()
    g._db_time = 0.0


def _headers(response):
    app = current_app
    h = response.headers
    h.setdefault("Content-Security-Policy", app.extensions["buildstory_csp"])
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if app.config["PRODUCTION"]:
        h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if hasattr(g, "_t0") and not request.path.startswith(NO_TIMING_PREFIXES):
        total = (time.perf_counter() - g._t0) * 1000
        h["Server-Timing"] = f"db;dur={g._db_time * 1000:.1f}, total;dur={total:.1f}"
    return response


def _track_db_time(engine) -> None:
    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, params, context, executemany):
        conn.info["_bs_t"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, params, context, executemany):
        started = conn.info.pop("_bs_t", None)
        if started is not None and has_app_context():
            g._db_time = getattr(g, "_db_time", 0.0) + time.perf_counter() - started


def init_security(app) -> None:
    """Install the headers and the database timer."""
    app.extensions["buildstory_csp"] = content_security_policy(app)
    app.before_request(_start_timer)
    app.after_request(_headers)
    from ..db import db

    with app.app_context():
        _track_db_time(db.engine)
