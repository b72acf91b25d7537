"""Admin review of mentor applications and sponsorship inquiries (admins; mounted under /admin)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, g, render_template, request, stream_with_context, url_for

from ..db import db
from ..enums import MentorStatus, SponsorshipStatus
from ..errors import Conflict
from ..clock import utcnow
from ..web import htmx
from ..web.args import page_arg
from ..web.auth import role_required
from ..web.refusals import refusal
from . import export, queries, services

bp = Blueprint("applications_admin", __name__)

# The sponsorship buttons: URL action → (target status, button text).
SPONSOR_ACTIONS = {"contacted": (SponsorshipStatus.contacted, "Mark contacted"),
                   "accept": (SponsorshipStatus.accepted, "Accept"),
                   "decline": (SponsorshipStatus.declined, "Decline")}


def sponsor_buttons(status) -> list[tuple[str, str]]:
    """Return the (URL action, button text) pairs allowed from an inquiry's status."""
    return [(action, text) for action, (to, text) in SPONSOR_ACTIONS.items()
            if status in services.SPONSOR_MOVES[to]]


def _status_arg(enum_cls, source=None) -> str | None:
    value = (source or request.args).get("status") or None
    return value if value in set(enum_cls) else None


# --- mentors --------------------------------------------------------------------------

@bp.get("/mentors")
@role_required("admin")
def mentors():
    """Mentor applications, newest first, filtered by status."""
    status = _status_arg(MentorStatus)
    listing = queries.mentor_applications(db.session, status, page_arg())
    return render_template("admin/mentors.html", listing=listing, status=status,
                           statuses=list(MentorStatus), card_error=None)


@bp.get("/mentors.csv")
@role_required("admin")
def mentors_csv():
    """Every mentor application (of the status filter) as CSV, streamed row by row."""
    status = _status_arg(MentorStatus)
    header = [name for name, _ in queries.MENTOR_CSV_COLUMNS]
    rows = queries.mentor_csv_rows(db.session, status)
    response = Response(stream_with_context(export.csv_lines(header, rows)),
                        mimetype="text/csv")
    stamp = utcnow().strftime("%Y%m%d")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="mentor-applications-{stamp}.csv"')
    response.headers["Cache-Control"] = "no-store"
    return response


def _review_mentor(application_id, approve: bool):
    application = queries.mentor_application_or_404(db.session, application_id)
    card = {"application": application, "card_error": None}
    with refusal(Conflict) as refused:
        services.review_mentor_application(
            db.session, application, g.profile, approve=approve, now=utcnow(),
            clerk_mode=current_app.config["AUTH_PROVIDER"] == "clerk")
    if refused:
        if not htmx.is_htmx():
            raise refused.error
        card.update(card_error=refused.message,
                    reviewer=queries.reviewer_name(db.session, application.reviewed_by))
        return htmx.fragments(("admin/mentors.html", "mentor_card", card), status=refused.status)
    db.session.commit()
    if htmx.is_htmx():
        card["reviewer"] = g.profile.display_name
        return htmx.fragments(("admin/mentors.html", "mentor_card", card))
    return htmx.redirect(url_for(".mentors", status=_status_arg(MentorStatus, request.form)))


@bp.post("/mentors/<uuid:application_id>/approve")
@role_required("admin")
def approve_mentor(application_id):
    """Approve a pending mentor application."""
    return _review_mentor(application_id, True)


@bp.post("/mentors/<uuid:application_id>/decline")
@role_required("admin")
def decline_mentor(application_id):
    """Decline a pending mentor application."""
    return _review_mentor(application_id, False)


# --- sponsors -------------------------------------------------------------------------

@bp.get("/sponsors")
@role_required("admin")
def sponsors():
    """Sponsorship inquiries, newest first, filtered by status."""
    status = _status_arg(SponsorshipStatus)
    listing = queries.sponsorship_inquiries(db.session, status, page_arg())
    return render_template("admin/sponsors.html", listing=listing, status=status,
                           statuses=list(SponsorshipStatus), card_error=None,
                           sponsor_buttons=sponsor_buttons)


@bp.post("/sponsors/<uuid:inquiry_id>/<any(contacted, accept, decline):action>")
@role_required("admin")
def move_sponsor(inquiry_id, action):
    """Move an inquiry along its workflow (Mark contacted / Accept / Decline)."""
    inquiry = queries.sponsorship_inquiry_or_404(db.session, inquiry_id)
    card = {"inquiry": inquiry, "card_error": None, "sponsor_buttons": sponsor_buttons}
    with refusal(Conflict) as refused:
        services.move_sponsorship_inquiry(db.session, inquiry, g.profile,
                                          SPONSOR_ACTIONS[action][0], now=utcnow())
    if refused:
        if not htmx.is_htmx():
            raise refused.error
        card.update(card_error=refused.message,
                    reviewer=queries.reviewer_name(db.session, inquiry.reviewed_by))
        return htmx.fragments(("admin/sponsors.html", "sponsor_card", card),
                              status=refused.status)
    db.session.commit()
    if htmx.is_htmx():
        card["reviewer"] = g.profile.display_name
        return htmx.fragments(("admin/sponsors.html", "sponsor_card", card))
    return htmx.redirect(url_for(".sponsors",
                                 status=_status_arg(SponsorshipStatus, request.form)))
