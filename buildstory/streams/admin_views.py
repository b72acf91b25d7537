"""/admin/streams: follow and unfollow Twitch categories (admins; mounted under /admin)."""
from __future__ import annotations

from flask import Blueprint, g, request, url_for

from ..db import db
from ..errors import ValidationFailed
from ..web import htmx
from ..web.auth import role_required
from ..web.refusals import refusal
from . import queries, services

bp = Blueprint("streams_admin", __name__)
BLOCKS = {"streams-main": "streams_main"}
CONFIRM_REMOVE = "Tick the box to confirm"


def _render(status=200, values=None, errors=None, *, added=False, remove_error=None):
    return htmx.page("admin/streams.html", BLOCKS, status,
                     categories=queries.followed_categories(db.session), values=values or {},
                     errors=errors or {}, added=added, remove_error=remove_error)


@bp.route("/streams", methods=["GET", "POST"])
@role_required("admin")
def streams():
    """The followed categories and the Add category form."""
    if request.method == "GET":
        return _render()
    values = {k: (request.form.get(k) or "")[:3000] for k in ("twitch_id", "name", "box_art_url")}
    with refusal(ValidationFailed) as refused:
        services.add_category(db.session, g.profile, values)
    if refused:
        return _render(refused.status, values, refused.errors)
    db.session.commit()
    if htmx.is_htmx():
        return _render(added=True)
    return htmx.redirect(url_for(".streams"))


@bp.post("/streams/<uuid:category_id>/remove")
@role_required("admin")
def remove_stream_category(category_id):
    """Stop following a category (confirmed by hx-confirm, or the checkbox without JS)."""
    category = queries.category_or_404(db.session, category_id)
    if not htmx.is_htmx() and request.form.get("confirm") != "yes":
        return _render(422, remove_error=(category.id, CONFIRM_REMOVE))
    services.remove_category(db.session, g.profile, category)
    db.session.commit()
    if htmx.is_htmx():
        return _render()
    return htmx.redirect(url_for(".streams"))
