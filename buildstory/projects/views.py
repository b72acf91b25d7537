"""Project pages: the list, the project page, create / edit / delete, event entries, slug check."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, g, make_response, request, url_for
from sqlalchemy import select

from ..buildlogs import views as buildlog_views
from ..db import db
from ..enums import STARTING_POINT_LABELS, EventStatus
from ..errors import Conflict, Forbidden, ValidationFailed
from ..events.models import Event
from ..clock import utcnow
from ..markdown import meta_description
from ..web import htmx
from ..web.args import page_arg
from ..web.auth import login_required, username_required
from ..web.refusals import refusal
from ..web.urls import link_for
from ..hackathon import awards as hackathon_awards
from ..profiles import access as profile_access
from ..profiles import queries as profile_queries
from ..teams import queries as team_queries
from . import access, forms, queries, services
from .rules import suggest_slug

bp = Blueprint("projects", __name__)

FORM_BLOCKS = {"project-form": "form", "slug-field": "slug_field",
               "delete-project-form": "delete_form"}
PAGE_BLOCKS = {"project-events": "events_section", "team-history": "history",
               "team": "team_section"}
LIST_BLOCKS = {"project-results": "results"}
EVENT_REQUIRED = "Event is required"
EVENT_UNKNOWN = "Choose an event from the list"


def profile_url(profile) -> str:
    """Return the public profile URL of a builder."""
    return link_for("profiles.profile", username=profile.username)


def event_url(event) -> str:
    """Return the public page of an event."""
    return link_for("events.show", slug=event.slug)


def _helpers() -> dict:
    return {"profile_url": profile_url, "event_url": event_url, "excerpt": meta_description,
            "starting_points": STARTING_POINT_LABELS}


def _project_or_404(slug: str):
    """Return the project at ``slug`` if this viewer may see it; 404 otherwise."""
    project = queries.project_for_page(db.session, slug)
    if project is None or not access.can_view(project, g.profile, g.role):
        abort(404)
    return project


def _require_owner(project) -> None:
    if not access.can_edit(project, g.profile):
        raise Forbidden(services.NOT_OWNER)


# --- List -------------------------------------------------------------------------------

@bp.get("/projects")
def index():
    """Every visible project, newest first (signed-in builders see their own first)."""
    q = " ".join(request.args.get("q", "").split())[:100]
    page = page_arg("page")
    events = queries.events_with_entries(db.session)
    event = next((e for e in events if e.slug == request.args.get("event")), None)
    filters = {"q": q, "event_id": event.id if event else None,
               "include_hidden": access.is_moderator(g.role)}
    projects, has_more = queries.list_projects(db.session, page=page, **filters)
    total = queries.count_projects(db.session, **filters)
    # "Your projects" leads an unfiltered list; with an event chosen, the list is the filter.
    yours = (queries.projects_of(db.session, g.profile, q=q)
             if g.profile and page == 1 and event is None else [])
    return htmx.page("projects/index.html", LIST_BLOCKS, q=q, page=page, projects=projects,
                     has_more=has_more, yours=yours, total=total, events=events,
                     event=event, **_helpers())


# --- Project page -----------------------------------------------------------------------

def page_context(project, **extra) -> dict:
    """Return everything the project page and its blocks show to this viewer."""
    viewer, role = g.profile, g.role
    on_team = access.is_on_team(project, viewer)
    is_owner = access.is_owner(project, viewer)
    members = [m for m in project.members
               if access.sees_hidden_members(project, viewer, role)
               or (m.profile.hidden_at is None and m.profile.banned_at is None)]
    entered, enterable = queries.events_panel(db.session, project, viewer if on_team else None)
    history, history_more, history_page = [], False, page_arg("history_page")
    invite_log, origins = [], {}
    if is_owner:
        history, history_more = queries.history(db.session, project, history_page)
        invite_log, origins = team_queries.invite_history(db.session, project)
    can_moderate = access.is_moderator(role)
    # the hackathon block: submissions with awards and card versions, and the reviews
    # count the team and moderators see (one statement)
    submissions, reviews_received, og_submission = hackathon_awards.project_panel(
        db.session, project.id, count_reviews=on_team or can_moderate, all_reviews=can_moderate)
    if "team" not in extra:  # the team section's own data (teams feature)
        extra["team"] = team_queries.team_section(
            db.session, project, viewer, now=utcnow(),
            team_limit=current_app.config["TEAM_SIZE_LIMIT"],
            idle_hours=current_app.config["OWNERSHIP_IDLE_HOURS"])
    return {
        "project": project, "members": members, "is_owner": is_owner, "on_team": on_team,
        "can_moderate": can_moderate,
        "submissions": submissions, "reviews_received": reviews_received,
        "og_submission": og_submission,
        "entries": entered, "event_options": enterable,
        "history": history, "history_more": history_more, "history_page": history_page,
        "invite_log": invite_log, "member_origins": origins, "now": utcnow(),
        "invite_state": team_queries.invite_state,
        "events_error": None, "event_field_error": None, "events_notice": None,
        "remove_errors": {}, **_helpers(),
        "updates_section": buildlog_views.section_context(project=project), **extra,
    }


@bp.get("/projects/<slug>")
def show(slug):
    """The project page: description, goal, links, team, events, and the owner's history."""
    project = _project_or_404(slug)
    return htmx.page("projects/show.html", PAGE_BLOCKS, **page_context(project))


def _events_answer(project, status: int = 200, **extra):
    """Answer an entry action: the events block for htmx, the page (or 303) otherwise."""
    if htmx.is_htmx() or status != 200:
        ctx = page_context(project, **extra)
        if htmx.is_htmx():
            return htmx.fragments(("projects/show.html", "events_section", ctx), status=status)
        return htmx.page("projects/show.html", None, status, **ctx)
    return htmx.redirect(url_for("projects.show", slug=project.slug) + "#project-events")


@bp.post("/projects/<slug>/events")
@login_required
def enter_event(slug):
    """Enter the project in one of the events the builder is registered for."""
    project = _project_or_404(slug)
    if not access.is_on_team(project, g.profile):
        raise Forbidden(services.NOT_ON_TEAM)
    raw = (request.form.get("event") or "").strip()
    event_id = queries.parse_uuid(raw)
    event = db.session.get(Event, event_id) if event_id else None
    if event is None or event.status == EventStatus.draft:
        return _events_answer(project, 422,
                              event_field_error=EVENT_UNKNOWN if raw else EVENT_REQUIRED)
    with refusal(Conflict) as refused:
        services.enter_event(db.session, project, event, g.profile, now=utcnow())
    if refused:
        return _events_answer(project, refused.status, events_error=refused.message)
    db.session.commit()
    return _events_answer(project)


@bp.post("/projects/<slug>/events/<event_slug>/remove")
@login_required
def leave_event(slug, event_slug):
    """The owner takes the project out of an event while it takes entries (after the
    confirmation); the events section says so."""
    project = _project_or_404(slug)
    event = db.session.scalar(select(Event).where(Event.slug == event_slug))
    if event is None:
        abort(404)
    _require_owner(project)
    if not htmx.confirmed():
        return _events_answer(project, 422, remove_errors={event.slug: htmx.CONFIRM_REQUIRED})
    with refusal(Conflict) as refused:
        services.leave_event(db.session, project, event, g.profile, now=utcnow())
    if refused:
        return _events_answer(project, refused.status, events_error=refused.message)
    db.session.commit()
    return _events_answer(project,
                          events_notice=f"{project.name} is no longer entered in {event.name}.")


# --- Create, edit, delete ---------------------------------------------------------------

def _form(project, values, errors, status: int = 200, **extra):
    """Render the project form page (or, for htmx, the block HX-Target names)."""
    ctx = {"project": project, "project_id": project.id if project else None, "values": values,
           "errors": errors, "slug_check": (None, None), "delete_errors": {}, **_helpers(),
           **extra}
    return htmx.page("projects/form.html", FORM_BLOCKS, status, **ctx)


@bp.route("/projects/new", methods=["GET", "POST"])
@username_required
def new():
    """Create a project; land on its page."""
    if request.method == "GET":
        return _form(None, {}, {})
    values = forms.project_values(request.form)
    try:
        project = services.create_project(db.session, g.profile, values, now=utcnow())
    except ValidationFailed as exc:
        return _form(None, values, exc.errors, 422)
    db.session.commit()
    return htmx.redirect(url_for("projects.show", slug=project.slug))


@bp.route("/projects/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug):
    """The owner edits the project's fields (and finds the delete form)."""
    project = _project_or_404(slug)
    _require_owner(project)
    if request.method == "GET":
        return _form(project, forms.project_form_values(project), {})
    values = forms.project_values(request.form)
    try:
        services.update_project(db.session, project, g.profile, values, now=utcnow())
    except ValidationFailed as exc:
        return _form(project, values, exc.errors, 422)
    db.session.commit()
    return htmx.redirect(url_for("projects.show", slug=project.slug))


@bp.post("/projects/<slug>/delete")
@login_required
def delete(slug):
    """The owner deletes the project (confirmed by hx-confirm, or the checkbox without JS)."""
    project = _project_or_404(slug)
    _require_owner(project)
    if not htmx.confirmed():
        return _form(project, forms.project_form_values(project), {}, 422,
                     delete_errors={"confirm": htmx.CONFIRM_REQUIRED})
    services.delete_project(db.session, project, g.profile)
    db.session.commit()
    return htmx.redirect(url_for("projects.index"))


# --- Live slug check and suggestion -----------------------------------------------------

@bp.get("/project-slug-check")
@login_required
def slug_check():
    """Fragment: the Project URL's availability; for HX-Target slug-field, a suggestion.

    The suggestion (the Name field asks while it is typed) replaces the Project URL field
    only while the builder has not typed a URL of their own (``slug`` empty or still
    equal to the last suggestion, ``slug_auto``); otherwise 204 leaves it alone.
    """
    project_id = queries.parse_uuid(request.args.get("project"))
    if htmx.target() == "slug-field":
        return _slug_suggestion(project_id)
    status, _slug, message = queries.slug_status(db.session, request.args.get("slug"),
                                                 project_id)
    response = htmx.fragments(("_checks.html", "slug_status",
                               {"status": status, "message": message}))
    response.headers["Cache-Control"] = "no-store"
    return response


def _slug_suggestion(project_id):
    typed = (request.args.get("slug") or "").strip()
    auto = (request.args.get("slug_auto") or "").strip()
    if typed and typed != auto:
        return htmx.vary(make_response("", 204))
    suggestion = suggest_slug(request.args.get("name"))
    check = (None, None)
    if suggestion:
        suggestion = queries.free_slug(db.session, suggestion, project_id)
        status, _slug, message = queries.slug_status(db.session, suggestion, project_id)
        check = (status, message)
    response = htmx.fragments(("projects/form.html", "slug_field", {
        "values": {"slug": suggestion, "slug_auto": suggestion}, "errors": {},
        "slug_check": check, "project": None, "project_id": project_id}))
    response.headers["Cache-Control"] = "no-store"
    return response


# --- A builder's portfolio: their projects and events on the profile --------------------

@bp.app_template_global()
def portfolio(profile) -> dict:
    """The profile page's portfolio: the newest visible projects the builder owns or joined
    and the public events they registered for (12 each, two statements), each with
    whether "Show all" has more to show."""
    projects, more_projects = queries.portfolio_projects(db.session, profile.id)
    events, more_events = queries.portfolio_events(db.session, profile.id)
    return {"projects": projects, "more_projects": more_projects,
            "events": events, "more_events": more_events}


def _portfolio_owner_or_404(username: str):
    """The builder whose portfolio is asked for, as their profile page decides; 404 else."""
    if username != username.strip().lower():
        abort(404)
    builder = profile_queries.public_profile(
        db.session, username, viewer=g.profile,
        sees_hidden=profile_access.sees_hidden_profiles(g.role))
    if builder is None:
        abort(404)
    return builder


@bp.get("/profiles/<username>/projects")
def profile_projects(username):
    """Every visible project of a builder (owned and joined, with the role), paged."""
    return _portfolio_page(username, "projects", queries.portfolio_projects)


@bp.get("/profiles/<username>/events")
def profile_events(username):
    """Every public event a builder registered for, with the project entered there, paged."""
    return _portfolio_page(username, "events", queries.portfolio_events)


def _portfolio_page(username, kind, query):
    builder = _portfolio_owner_or_404(username)
    page = page_arg("page")
    rows, more = query(db.session, builder.id, page=page, per_page=queries.PORTFOLIO_PER_PAGE)
    return htmx.page("projects/portfolio.html", None, profile=builder, kind=kind,
                     rows=rows, more=more, page=page, **_helpers())
