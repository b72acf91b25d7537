"""The bell and ``/notifications``: the list, opening one, marking read.

Views parse, load or 404, call one service, commit once and render. The bell is the
``notification_bell`` block of ``_layout.html`` (id ``notification-bell``); it polls
``/notifications/bell?have=N`` every minute: 204 when the count is still N, 200 with the
bell when it changed, 286 (htmx stops polling) with a bell that no longer polls when the
visitor is signed out or banned.
"""
from __future__ import annotations

from flask import Blueprint, g, make_response, request, url_for
from jinja2_fragments.flask import render_block
from werkzeug.routing import BuildError

from ..clock import utcnow
from ..db import db
from ..errors import NotFound
from ..web import htmx
from ..web.auth import login_required, preload_with_session
from ..web.caching import PRIVATE
from . import header, queries, registry, services

bp = Blueprint("notifications", __name__)
bp.add_app_template_global(header.notification_count)

STOP_POLLING = 286  # htmx stops a polling element on this status


@bp.record_once
def _count_with_the_session(state) -> None:
    """Page views read the bell's count in the session lookup (no statement of its own)."""
    preload_with_session("notification_count", queries.unread_count_column)


def _is_moderator() -> bool:
    return bool(g.get("role")) and g.role in ("moderator", "admin")


def _before_arg():
    raw = request.args.get("before")
    if raw is None:
        return None
    cursor = queries.decode_cursor(raw)
    if cursor is None:
        raise NotFound()
    return cursor


LIST_BLOCKS = {"notifications-more": "more_items", "notification-list": "notification_list"}


@bp.get("/notifications")
@login_required
def index():
    """The signed-in builder's notifications, newest first, 20 a page (``?before=``)."""
    before = _before_arg()
    page = queries.page(db.session, g.profile, before=before, moderator=_is_moderator())
    return htmx.page("notifications/index.html", LIST_BLOCKS, page=page, paged=before is not None)


def _bell(status: int, *, stopped: bool = False):
    body = render_block("_layout.html", "notification_bell", bell_stopped=stopped)
    response = make_response(body, status)
    response.headers["Cache-Control"] = PRIVATE
    return response


@bp.get("/notifications/bell")
def bell():
    """The bell's poll: 204 unchanged, 200 the new bell, 286 signed out or banned."""
    profile = g.get("profile")
    if profile is None or profile.banned_at is not None:
        g.notification_count = 0
        return _bell(STOP_POLLING, stopped=True)
    have = request.args.get("have", "")
    if have.isdigit() and int(have) == header.notification_count():
        response = make_response("", 204)
        response.headers["Cache-Control"] = PRIVATE
        return response
    return _bell(200)


def _own_or_404(notification_id):
    found = queries.item(db.session, g.profile, notification_id, moderator=_is_moderator())
    if found is None:
        raise NotFound()
    return found


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_(notification_id):
    """Mark it read and go where it points (the link is built now, from its ids)."""
    notification = services.mark_read(db.session, notification_id, g.profile, now=utcnow())
    parts = queries.link_parts(db.session, notification)
    db.session.commit()
    return htmx.redirect(_url(parts))


def _url(parts) -> str:
    endpoint, values = registry.link(parts)
    try:
        return url_for(endpoint, **values)
    except BuildError:  # the type's own page is not there (yet): its fallback
        fallback = registry.fallback_link(parts)
        if fallback is None:
            raise
        return url_for(fallback[0], **fallback[1])


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read(notification_id):
    """Mark one read: htmx swaps the item and, out of band, the bell; else back to the list."""
    services.mark_read(db.session, notification_id, g.profile, now=utcnow())
    db.session.commit()
    if not htmx.is_htmx():
        return htmx.redirect(url_for("notifications.index"))
    item = _own_or_404(notification_id)
    g.pop("notification_count", None)  # count afresh, after this change
    return htmx.fragments(("notifications/index.html", "notification_item", {"item": item, "just_read": True}),
                          ("_layout.html", "notification_bell", {"bell_oob": True}))


@bp.post("/notifications/read-all")
@login_required
def read_all():
    """Mark read everything up to the newest item shown (``upto``); newer ones stay unread."""
    upto = queries.decode_cursor(request.form.get("upto"))
    if upto is None:
        raise NotFound()
    services.mark_all_read(db.session, g.profile, upto=upto, now=utcnow())
    db.session.commit()
    if not htmx.is_htmx():
        return htmx.redirect(url_for("notifications.index"))
    page = queries.page(db.session, g.profile, moderator=_is_moderator())
    g.pop("notification_count", None)
    return htmx.fragments(
        ("notifications/index.html", "notification_list",
         {"page": page, "paged": False, "marked_all": True}),
        ("_layout.html", "notification_bell", {"bell_oob": True}))
