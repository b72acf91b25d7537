"""Public event pages, the calendar file, and registering / withdrawing (signed-in)."""
from __future__ import annotations

from flask import Blueprint, Response, g, request, url_for
from werkzeug.routing import BuildError

from .. import cache, markdown
from ..clock import utcnow
from ..db import db
from ..enums import COMMITMENT_LEVEL_LABELS, TEAM_PREFERENCE_LABELS, QueueKind
from ..errors import ValidationFailed
from ..web import htmx
from ..web.args import page_arg
from ..web.auth import login_required, username_required
from ..web.refusals import refusal
from ..web.urls import link_for
from ..hackathon import (event_panel as hackathon_panel, queue as hackathon_queue,
                         rules as hackathon_rules)
from . import access, forms, ics, queries, rules, services

bp = Blueprint("events", __name__)

SHOW_BLOCKS = {"registration": "registration_panel", "event-projects": "projects"}
NOTICES = {"registered": "You're registered. See you there!",
           "updated": "Registration updated",
           "withdrawn": "You have withdrawn from this event"}


@bp.app_template_global()
def event_countdown(event) -> dict:
    """The countdown state of an event for the ``countdown`` macro (before / live / ended)."""
    return rules.countdown(event, utcnow())


@bp.app_template_global()
def event_status_tone(status) -> str:
    """The badge tone of an event status (``event_status_badge``)."""
    return rules.status_tone(status)


@bp.app_template_global()
def event_dates(event) -> dict:
    """Which of an event's dates are still ahead (``rules.dates_ahead``)."""
    return rules.dates_ahead(event, utcnow())


@bp.app_template_global()
def project_url(slug: str) -> str:
    """The public URL of a project page (owned by the projects feature)."""
    try:
        return link_for("projects.show", slug=slug)
    except BuildError:  # same path, for a tree where the projects pages are not registered
        return f"/projects/{slug}"


def _load(slug: str):
    return queries.event_by_slug_or_404(db.session, slug,
                                        include_drafts=access.can_view_drafts(g.role))


def _cached_participant_counts(session, event_ids) -> dict:
    """The listing's participant counts, kept for STATS_CACHE_SECONDS (they count every
    registration of the listed events)."""
    return cache.cached(("event_participants", event_ids),
                        lambda: queries.participant_counts(session, event_ids))


@bp.get("/events")
def index():
    """Live / Upcoming / Past events; drafts too (badged) for admins."""
    listing = queries.event_listing(db.session, include_drafts=access.can_view_drafts(g.role),
                                    past_page=page_arg(), counts=_cached_participant_counts)
    return htmx.page("events/index.html", {"past-events": "past_events"}, listing=listing,
                     can_manage=access.can_manage_events(g.role))


def _panel_context(event, registration=None, *, values=None, errors=None, message=None,
                   notice=None) -> dict:
    if values is None:
        values = {"team_preference": registration.team_preference.value,
                  "commitment_level": (registration.commitment_level or "")} \
            if registration else {}
    return {"event": event, "registration": registration, "values": values,
            "errors": errors or {}, "message": message, "notice": notice,
            "refusal": rules.registration_refusal(event, utcnow()),
            "team_preferences": list(TEAM_PREFERENCE_LABELS.items()),
            "commitment_levels": list(COMMITMENT_LEVEL_LABELS.items())}


def cached_stats(session, event) -> dict:
    """The event's counts, kept for STATS_CACHE_SECONDS (an aggregate over every sign-up)."""
    return cache.cached(("event_stats", event.id), lambda: queries.event_stats(session, event))


def _hackathon_context(event, registration) -> dict:
    """The hackathon links of the event page: who sees which (docs/rules.md "Showcase and
    share cards"); the public counts are cached with the event's other counts."""
    public = cache.cached(("event_hackathon", event.id),
                          lambda: hackathon_panel.event_public(db.session, event.id))
    viewer = g.profile
    panel = hackathon_panel.event_hackathon(public, db.session, event.id,
                                            viewer.id if viewer is not None else None)
    now = utcnow()
    can_review = (panel.has_visible_submission
                  and hackathon_rules.review_refusal(event, now) is None)
    # "Reviewed X of Y" beside Start reviewing: one statement, for reviewers only.
    review_progress = (hackathon_queue.progress(db.session, QueueKind.review, event.id, viewer.id)
                       if can_review else None)
    return {"hackathon": panel, "review_progress": review_progress,
            "showcase_open": hackathon_rules.showcase_open(event),
            "results_open": event.status in hackathon_rules.RESULTS_STATUSES,
            "can_submit": registration is not None
            and hackathon_rules.submission_refusal(event, now) is None,
            "can_review": can_review,
            "can_moderate_reviews": access.can_moderate(g.role)}


def _page_context(event, page: int = 1, **panel) -> dict:
    session = db.session
    registration = queries.registration_for(session, event, g.profile)
    projects, has_next = queries.entered_projects(session, event, page)
    return {**_panel_context(event, registration, **panel),
            **_hackathon_context(event, registration),
            "stats": cached_stats(session, event), "projects": projects,
            "has_next": has_next, "page": page, "oob": False,
            "description_meta": markdown.meta_description(event.description),
            "can_manage": access.can_manage_events(g.role)}


@bp.get("/events/<slug>")
def show(slug):
    """The event page: dates, status, countdown, registration panel, counts, projects."""
    event = _load(slug)
    return htmx.page("events/show.html", SHOW_BLOCKS, **_page_context(event, page_arg()))


@bp.get("/events/<slug>.ics")
def calendar(slug):
    """The event as an iCalendar file (UTC times)."""
    event = _load(slug)
    body = ics.calendar(event, url=url_for("events.show", slug=event.slug, _external=True))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    return response


def _panel_answer(event, status: int = 200, **panel):
    """The registration panel (htmx, with the counts out of band) or the whole page."""
    if htmx.is_htmx():
        ctx = _page_context(event, **panel)
        return htmx.fragments(("events/show.html", "registration_panel", ctx),
                              ("events/show.html", "counts", {**ctx, "oob": True}),
                              status=status)
    return htmx.page("events/show.html", None, status, **_page_context(event, **panel))


@bp.post("/events/<slug>/register")
@username_required
def register(slug):
    """Register (or update the registration) while registration is open."""
    event = queries.event_by_slug_or_404(db.session, slug)
    values = forms.registration_values(request.form)
    before = queries.registration_for(db.session, event, g.profile)
    with refusal() as refused:
        services.register(db.session, event, g.profile, now=utcnow(),
                          **forms.registration(values))
    if refused:
        return _panel_answer(event, refused.status, values=values, errors=refused.errors,
                             message=refused.message)
    db.session.commit()
    cache.invalidate("event_stats", event.id)  # the registrant sees the counts change
    if not htmx.is_htmx():
        return htmx.redirect(url_for("events.show", slug=event.slug) + "#registration")
    return _panel_answer(event, notice=NOTICES["updated" if before else "registered"])


@bp.post("/events/<slug>/withdraw")
@login_required
def withdraw(slug):
    """Withdraw while registration is open; the builder's projects leave the event too."""
    event = queries.event_by_slug_or_404(db.session, slug)
    with refusal() as refused:
        if not htmx.confirmed():
            raise ValidationFailed({"confirm": htmx.CONFIRM_REQUIRED})
        services.withdraw(db.session, event, g.profile, now=utcnow())
    if refused:
        return _panel_answer(event, refused.status, errors=refused.errors,
                             message=refused.message)
    db.session.commit()
    cache.invalidate("event_stats", event.id)  # the registrant sees the counts change
    if not htmx.is_htmx():
        return htmx.redirect(url_for("events.show", slug=event.slug) + "#registration")
    return _panel_answer(event, notice=NOTICES["withdrawn"])
