"""Published results, the reviews a project received, and the moderators' review tools:
``/events/<slug>/results``, ``/projects/<slug>/reviews``, ``/moderation/events/<slug>/reviews``
and Hide review / Unhide review."""
from __future__ import annotations

from flask import Blueprint, abort, g, request, url_for

from ..clock import utcnow
from ..db import db
from ..enums import UserRole
from ..errors import Forbidden, ValidationFailed
from ..events.models import Event
from ..events.queries import event_by_slug_or_404
from ..projects import access as project_access
from ..projects.queries import project_for_page
from ..web import htmx
from ..web.args import page_arg
from ..web.auth import login_required, role_required
from ..web.refusals import refusal
from ..web.safe_next import safe_next
from . import received, results
from .models import CRITERIA

bp = Blueprint("hackathon_results", __name__)

NOT_ON_TEAM = "You are not on this project's team"
CARD = "hackathon/review_card.html"


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, … 11th, 12th, 13th, … 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@bp.get("/events/<slug>/results")
def event_results(slug):
    """The latest published version (public; drafts are 404 but for admins)."""
    event = event_by_slug_or_404(db.session, slug, include_drafts=g.role == UserRole.admin)
    rows = results.public_results(db.session, event.id)
    overall = [s for s in rows if s.row.kind == "overall" and s.row.place <= 10]
    return htmx.page("hackathon/results.html", None, event=event, rows=rows, overall=overall,
                     picks=[s for s in rows if s.row.kind == "judges_pick"],
                     people=[s for s in rows if s.row.kind == "peoples_choice"],
                     judges=results.visible_judges(db.session, event.id), ordinal=ordinal)


@bp.get("/projects/<slug>/reviews")
@login_required
def project_reviews(slug):
    """Reviews received, per event, newest first, 20 a page (the team and moderators);
    once results are published the team's place, means and the judges' comments."""
    project = project_for_page(db.session, slug)
    if project is None or not project_access.can_view(project, g.profile, g.role):
        abort(404)
    moderator = project_access.is_moderator(g.role)
    if not (moderator or project_access.is_on_team(project, g.profile)):
        raise Forbidden(NOT_ON_TEAM)
    events = received.submitted_events(db.session, project)
    event = next((e for e in events if e.slug == request.args.get("event")),
                 events[0] if events else None)
    reviews, has_next, standing = [], False, None
    if event is not None:
        reviews, has_next = received.project_reviews(db.session, project.id, event.id,
                                                     include_hidden=moderator, page=page_arg())
        standing = received.standing(db.session, project.id, event.id)
    return htmx.page("hackathon/project_reviews.html", None, project=project, events=events,
                     event=event, reviews=reviews, has_next=has_next, page=page_arg(),
                     standing=standing, moderator=moderator, ordinal=ordinal,
                     criteria=CRITERIA)


@bp.get("/moderation/events/<slug>/reviews")
@role_required("moderator")
def event_reviews(slug):
    """Every review of the event, newest first, 50 a page, with Hide / Unhide inline."""
    event = event_by_slug_or_404(db.session, slug, include_drafts=True)
    reviews, has_next = received.event_reviews(db.session, event.id, page_arg())
    return htmx.page("hackathon/event_reviews.html", None, event=event, reviews=reviews,
                     has_next=has_next, page=page_arg())


def _moderate(review_id, action, *, ask: bool):
    """Run a hide/unhide; htmx gets the review's card, a plain form a 303 back."""
    row = received.review_row(db.session, review_id)
    if row is None:
        abort(404)
    back = safe_next(request.form.get("next"), url_for(
        "hackathon_results.event_reviews", slug=_event_slug(row.event_id)))
    with refusal() as refused:
        if ask and not htmx.confirmed():
            raise ValidationFailed({"confirm": htmx.CONFIRM_REQUIRED})
        action()
    if refused:
        ctx = {"r": received.review_row(db.session, review_id), "moderator": True,
               "show_project": True, "message": refused.message, "next": back,
               "confirm_error": refused.errors.get("confirm")}
        if htmx.is_htmx():
            return htmx.fragments((CARD, "card", ctx), status=refused.status)
        return htmx.page(CARD, None, refused.status, **ctx)
    db.session.commit()
    if htmx.is_htmx():
        return htmx.fragments((CARD, "card", {
            "r": received.review_row(db.session, review_id), "moderator": True,
            "show_project": True, "next": back, "focus": True}))
    return htmx.redirect(back)


def _event_slug(event_id) -> str:
    return db.session.get(Event, event_id).slug


@bp.post("/moderation/reviews/<uuid:review_id>/hide")
@role_required("moderator")
def hide_review(review_id):
    """Hide a review from the team (confirmed)."""
    return _moderate(review_id, lambda: received.hide_review(db.session, g.profile, review_id,
                                                             now=utcnow()), ask=True)


@bp.post("/moderation/reviews/<uuid:review_id>/unhide")
@role_required("moderator")
def unhide_review(review_id):
    """Show a hidden review again (does not ask)."""
    return _moderate(review_id, lambda: received.unhide_review(db.session, g.profile, review_id),
                     ask=False)
