"""/admin/roadmap: the roadmap's categories — add one (Name, Colour), delete one (asked
first; its ideas keep going without a category). Admins only; audited."""
from __future__ import annotations

import uuid

from flask import Blueprint, abort, g, request

from ..db import db
from ..web import htmx
from ..web.auth import role_required
from ..web.refusals import refusal
from . import queries, rules, services
from .models import FeatureBoardCategory

bp = Blueprint("roadmap_admin", __name__)

PAGE = "admin/roadmap.html"
BLOCKS = {"roadmap-categories": "categories_main"}


@bp.before_request
@role_required("admin")
def _admins_only():
    """Every page here is admin-only (403 for moderators and builders)."""
    return None


def _page(status: int = 200, *, values=None, errors=None, done=None, confirm_for=None):
    return htmx.page(PAGE, BLOCKS, status, categories=queries.categories(db.session),
                     values=values or {"colour": "blue"}, errors=errors or {}, done=done,
                     colour_labels=rules.COLOUR_LABELS, confirm_for=confirm_for,
                     confirm_error=htmx.CONFIRM_REQUIRED if confirm_for else None)


@bp.route("/roadmap", methods=["GET", "POST"])
def categories():
    """The categories and the Add category form; ``delete=<id>`` deletes one."""
    if request.method == "GET":
        return _page()
    if "delete" in request.form:
        return _delete(request.form.get("delete"))
    with refusal() as refused:
        category = services.add_category(db.session, g.profile, request.form)
    if refused:
        return _page(refused.status, values=request.form, errors=refused.errors)
    name = category.name
    db.session.commit()
    return _page(done=f"Category {name} added")


def _delete(raw):
    try:
        category = db.session.get(FeatureBoardCategory, uuid.UUID(str(raw)))
    except ValueError:
        category = None
    if category is None:
        abort(404)
    if not htmx.confirmed():
        return _page(422, confirm_for=category.id)
    name = category.name
    services.delete_category(db.session, g.profile, category)
    db.session.commit()
    return _page(done=f"Category {name} deleted")
