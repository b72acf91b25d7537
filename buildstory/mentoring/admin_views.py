"""**Send new claim link** for an approved mentor application (mounted under /admin), and
what the admin user page's Mentor section needs (its forms post to ``admin``'s views)."""
from __future__ import annotations

from flask import Blueprint, g, url_for

from ..applications.models import MentorApplication
from ..clock import utcnow
from ..db import db
from ..web import htmx
from ..web.auth import role_required
from ..web.refusals import refusal
from . import queries, services

bp = Blueprint("mentoring_admin", __name__)

USER_TEMPLATE = "admin/user.html"
MENTORS_TEMPLATE = "admin/mentors.html"


UNLOADED = object()  # ``context``'s mentor: not read yet


def context(session, profile, *, mentor=UNLOADED, **extra) -> dict:
    """What the user page's Mentor section needs (one statement, none when the caller read
    the mentors row with the profile)."""
    if mentor is UNLOADED:
        mentor = queries.mentor_row(session, profile.id)
    ctx = {"mentor": mentor, "mentor_error": None,
           "mentor_errors": {}, "mentor_done": None, "mentor_values": None}
    ctx.update(extra)
    return ctx


@bp.post("/mentors/<uuid:application_id>/claim-link")
@role_required("admin")
def send_claim_link(application_id):
    """**Send new claim link**: the old link stops working, a new email goes out."""
    application = db.get_or_404(MentorApplication, application_id)
    card = {"application": application, "card_error": None}
    with refusal() as refused:
        services.send_new_claim_link(db.session, g.profile, application, now=utcnow())
    if refused:
        if not htmx.is_htmx():
            raise refused.error
        card.update(card_error=refused.message, reviewer=None)
        return htmx.fragments((MENTORS_TEMPLATE, "mentor_card", card), status=refused.status)
    db.session.commit()
    if htmx.is_htmx():
        card.update(reviewer=None, card_done="Claim link sent.")
        return htmx.fragments((MENTORS_TEMPLATE, "mentor_card", card))
    return htmx.redirect(url_for("applications_admin.mentors", status="approved"))
