"""Profile pages and fragments."""
from __future__ import annotations

from flask import Blueprint, g, request

from ..db import db
from ..web import htmx
from ..web.limits import browser_key, limiter, rate
from . import queries

bp = Blueprint("profiles", __name__)


@bp.get("/username-check")
@limiter.limit(rate("RATE_USERNAME_BROWSER"), key_func=browser_key)
@limiter.limit(rate("RATE_USERNAME_ADDRESS"))
def username_check():
    """Fragment: the availability of ``?username=`` (works without an account)."""
    status, name, message = queries.username_status(db.session, request.args.get("username"),
                                                     g.profile)
    response = htmx.fragments(("_checks.html", "username_status",
                               {"status": status, "message": message}))
    response.headers["Cache-Control"] = "no-store"
    return response


# Public profile and member directory routes live in their own module on this blueprint.
from . import public_views  # noqa: E402,F401
