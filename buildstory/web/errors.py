"""Error answers: every refusal of docs/rules.md "Refusals and status codes" as a full page or an htmx fragment."""
from __future__ import annotations

import logging

from flask import g, make_response, render_template
from jinja2_fragments.flask import render_block
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from ..db import db
from ..errors import DomainError
from . import htmx

log = logging.getLogger("buildstory.errors")

MESSAGES = {
    400: "This form has expired. Reload the page and try again.",
    401: "Sign in to continue.",
    403: "You are not allowed to do that.",
    404: "Page not found",
    405: "This address does not accept that kind of request.",
    409: "This action is not possible right now.",
    410: "This is no longer available.",
    413: "This request is too large",
    422: "Check the highlighted fields.",
    429: "Too many attempts. Try again later.",
    500: "Something went wrong on our side. We have been told; try again in a moment.",
    503: "Buildstory is briefly unavailable. Try again in a moment.",
}
TITLES = {400: "Form expired", 403: "Not allowed", 404: "Page not found", 405: "Not allowed",
          409: "Not possible", 410: "Gone", 413: "Too large", 422: "Check your input",
          429: "Slow down", 500: "Server error", 503: "Unavailable"}


def error_response(status: int, message: str | None = None):
    """Render the error page, or for htmx the message fragment retargeted to #messages."""
    message = message or MESSAGES.get(status, "Something went wrong.")
    context = {"status": status, "message": message, "title": TITLES.get(status, "Error")}
    if htmx.is_htmx(boosted=True):
        response = make_response(_render(render_block, "errors/error.html", "message",
                                         **context), status)
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
    else:
        response = make_response(_render(render_template, "errors/error.html", **context),
                                 status)
    response.vary.add("HX-Request")
    return response


def _render(render, *args, **context) -> str:
    """Render an error answer even when the database has just gone away.

    The layout reads the signed-in profile, which the rollback expired; with PostgreSQL
    down, reloading it fails inside this handler. Then answer as for a signed-out visitor.
    """
    try:
        return render(*args, **context)
    except DBAPIError:
        _rollback()
        g.profile = g.role = g.user_session = None
        g.invite_count = g.notification_count = 0
        return render(*args, **context)


def _rollback():
    try:
        db.session.rollback()
    except Exception:  # the connection itself may be gone; the pool recovers later
        log.debug("rollback failed", exc_info=True)


def _http(exc: HTTPException):
    status = exc.code or 500
    if status in (301, 302, 303, 307, 308):
        return exc
    # Our own aborts carry a user-facing description; Werkzeug's stock texts do not.
    custom = exc.description and exc.description != type(exc).description
    message = exc.description if custom and status not in (400, 429) else None
    response = error_response(status, message)
    if status == 429 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = "60"
    return response


def _domain(exc: DomainError):
    _rollback()
    response = error_response(exc.status, exc.message)
    if exc.status == 429:  # a limit counted by a service says when to come back
        response.headers["Retry-After"] = str(getattr(exc, "retry_after", 60))
    return response


def _database(exc: DBAPIError):
    _rollback()
    if isinstance(exc, OperationalError) or exc.connection_invalidated:
        return error_response(503)
    log.exception("database error")
    return error_response(500)


def _unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return _http(exc)
    _rollback()
    log.exception("unhandled error")
    return error_response(500)


def init_errors(app) -> None:
    """Register the handlers once for the whole app."""
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(DomainError, _domain)
    app.register_error_handler(DBAPIError, _database)
    app.register_error_handler(Exception, _unexpected)
