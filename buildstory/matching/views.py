"""Skills settings, the teammates page, open roles and join requests.

Views parse, load or 404, call one service, commit once and render. The teammates page
runs a fixed number of statements (the session lookup, the event, ``viewer_context``,
the two rankings and the shown profiles); a card answers **Ask to join** in place.
"""
from __future__ import annotations

from flask import Blueprint, current_app, g, request, url_for

from ..clock import utcnow
from ..db import db
from ..enums import (COMMITMENT_LEVEL_LABELS, EXPERIENCE_LEVEL_LABELS, CommitmentLevel,
                     EventStatus, ExperienceLevel)
from ..errors import Conflict, Forbidden, NotFound
from ..events.models import Event
from ..projects import queries as project_queries
from ..teams import access as team_access
from ..teams import join_requests
from ..teams import queries as team_queries
from ..teams.models import JoinRequest
from ..teams.views import _inbox, invite_limit
from ..web import htmx
from ..web.auth import login_required
from ..web.refusals import refusal
from . import queries, services, skills

bp = Blueprint("matching", __name__)

SETTINGS = "matching/settings.html"
TEAMMATES = "matching/teammates.html"
NOT_REGISTERED = "Register for this event first"
CLOSED = "Team formation is closed for this event"
NO_ROLES = "Add the roles you can fill to see projects looking for you"
MEMBER_CANNOT_INVITE = "Only the project owner can invite"
NO_TEAM = "Create a project and enter it in this event to invite builders"
SAVED = "Skills saved."


@bp.app_template_filter("role_label")
def role_label(key: str) -> str:
    item = skills.ROLE_BY_KEY.get(key)
    return item.label if item else key


@bp.app_template_global("open_role_items")
def open_role_items():
    return skills.ROLES


@bp.app_template_filter("skill_label")
def skill_label(key: str) -> str:
    item = skills.SKILL_BY_KEY.get(key)
    return item.label if item else key


# --- /settings/skills -----------------------------------------------------------------

def _settings_values(profile) -> dict:
    return {"skills": list(profile.skills or []), "roles": list(profile.roles or []),
            "other_skills": ", ".join(profile.other_skills or []),
            "timezone": profile.timezone or ""}


@bp.route("/settings/skills", methods=["GET", "POST"])
@login_required
def settings():
    """Skills (a fieldset per role), other skills, roles and time zone."""
    values, errors, status, saved = _settings_values(g.profile), {}, 200, False
    if request.method == "POST":
        values = {"skills": request.form.getlist("skills"),
                  "roles": request.form.getlist("roles"),
                  "other_skills": request.form.get("other_skills", "")[:400],
                  "timezone": request.form.get("timezone", "")[:100]}
        with refusal() as refused:
            services.save_skills(db.session, g.profile, values)
        if refused:
            errors, status = refused.errors, refused.status
        else:
            db.session.commit()
            values, saved = _settings_values(g.profile), True
    return htmx.page(SETTINGS, {"skills-form": "form"}, status, values=values, errors=errors,
                     saved=saved, groups=skills.skill_groups(), roles=skills.ROLES,
                     zones=skills.zone_choices(g.profile.country))


# --- /events/<slug>/teammates ---------------------------------------------------------

def _event_or_404(slug):
    event = db.session.scalar(db.select(Event).where(Event.slug == slug))
    if event is None or event.status == EventStatus.draft:
        raise NotFound()
    return event


def _filters() -> queries.Filters:
    args = request.args
    role = args.get("role", "")
    skill = args.get("skill", "")
    commitment = args.get("commitment", "")
    experience = args.get("experience", "")
    country = args.get("country", "").strip().upper()
    return queries.Filters(
        role=role if role in skills.ROLE_BY_KEY else None,
        skill=skill if skill in skills.SKILL_BY_KEY else None,
        commitment=commitment if commitment in CommitmentLevel.__members__ else None,
        experience=experience if experience in ExperienceLevel.__members__ else None,
        country=country if len(country) == 2 and country.isalpha() else None,
        near=args.get("near") == "1")


def _page_arg(name: str) -> int:
    raw = request.args.get(name, "1")
    return min(int(raw), 1000) if raw.isdigit() and int(raw) > 0 else 1


def _invite_state(viewer: queries.Viewer) -> str | None:
    """Why the viewer cannot invite from the cards (None: they own the chosen team)."""
    if viewer.team is None:
        return NO_TEAM
    if not viewer.team.owned:
        return MEMBER_CANNOT_INVITE
    return None


@bp.get("/events/<slug>/teammates")
@login_required
def teammates(slug):
    """Suggested teammates and projects looking for the viewer's skills."""
    event = _event_or_404(slug)
    now = utcnow()
    viewer = queries.viewer_context(db.session, event.id, g.profile.id,
                                    request.args.get("project"))
    ctx = {"event": event, "viewer": viewer, "filters": _filters(), "refusal": None,
           "cards": [], "more": False, "page": _page_arg("page"), "projects": [],
           "projects_more": False, "projects_page": _page_arg("projects_page"),
           "invite_refusal": None, "no_roles": None, "roles": skills.ROLES,
           "skill_items": skills.SKILLS, "commitments": COMMITMENT_LEVEL_LABELS,
           "experiences": EXPERIENCE_LEVEL_LABELS, "now": now, "card_errors": {}}
    if not viewer.registered:
        ctx["refusal"] = NOT_REGISTERED
    elif event.status not in (EventStatus.open, EventStatus.active):
        ctx["refusal"] = CLOSED
    else:
        rows, ctx["more"] = queries.rank_builders(db.session, event.id, viewer, ctx["filters"],
                                                  page=ctx["page"])
        profiles = queries.builder_cards(db.session, [r.profile_id for r in rows])
        ctx["cards"] = [{"row": r, "profile": profiles[r.profile_id],
                         "chips": queries.builder_chips(r, viewer)}
                        for r in rows if r.profile_id in profiles]
        ctx["invite_refusal"] = _invite_state(viewer)
        if viewer.has_roles:
            ctx["projects"], ctx["projects_more"] = queries.rank_projects(
                db.session, event.id, viewer, now=now,
                team_limit=current_app.config["TEAM_SIZE_LIMIT"], page=ctx["projects_page"])
            ctx["projects"] = [{"row": r, "chips": queries.project_chips(r, viewer)}
                               for r in ctx["projects"]]
        else:
            ctx["no_roles"] = NO_ROLES
    response = htmx.page(TEAMMATES, {"teammate-results": "teammate_results"}, **ctx)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- Open roles (owner) ---------------------------------------------------------------

@bp.post("/projects/<slug>/open-roles")
@login_required
def open_roles(slug):
    """The owner saves the team's open roles."""
    project = project_queries.project_for_page(db.session, slug)
    team_access.require_owner(project, g.profile, g.role)
    chosen = request.form.getlist("open_roles")
    errors, status, saved = {}, 200, False
    with refusal() as refused:
        services.save_open_roles(db.session, project, chosen)
    if refused:
        errors, status = refused.errors, refused.status
    else:
        db.session.commit()
        saved = True
    if not htmx.is_htmx():
        if status == 200:
            return htmx.redirect(url_for("projects.show", slug=slug) + "#open-roles")
    size = 1 + len(project.members)
    ctx = {"project": project, "roles": skills.ROLES,
           "chosen": chosen if errors else list(project.open_roles),
           "errors": errors, "saved": saved,
           "is_full": size >= current_app.config["TEAM_SIZE_LIMIT"]}
    if htmx.is_htmx():
        return htmx.fragments(("matching/open_roles_page.html", "open_roles", ctx),
                              status=status)
    return htmx.page("matching/open_roles_page.html", None, status, **ctx)


# --- Join requests --------------------------------------------------------------------

def _project_card_answer(project, event_slug, status=200, *, error=None, errors=None,
                         values=None, sent=False):
    ctx = {"project": project, "error": error, "errors": errors or {}, "values": values or {},
           "sent": sent, "event_slug": event_slug}
    if htmx.is_htmx():
        return htmx.fragments(("matching/join_page.html", "join_form", ctx), status=status)
    if status == 200 and event_slug:
        return htmx.redirect(url_for("matching.teammates", slug=event_slug))
    if status == 200:
        return htmx.redirect(url_for("teams.invites"))
    return htmx.page("matching/join_page.html", None, status, **ctx)


@bp.post("/projects/<slug>/join-requests")
@login_required
@invite_limit
def ask(slug):
    """Ask to join a team (Role, Message); the card then says "Request sent"."""
    project = project_queries.project_for_page(db.session, slug)
    team_access.require_visible(project, g.profile, g.role)
    values = {"role": request.form.get("role", "")[:60],
              "message": request.form.get("message", "")[:2000]}
    event_slug = request.form.get("event", "")[:100]
    with refusal(Conflict, Forbidden) as refused:
        join_requests.ask_to_join(db.session, project, g.profile, role=values["role"],
                                  message=values["message"], now=utcnow(),
                                  team_limit=current_app.config["TEAM_SIZE_LIMIT"],
                                  ttl_days=current_app.config["JOIN_REQUEST_TTL_DAYS"])
    if refused:
        return _project_card_answer(project, event_slug, refused.status,
                                    error=refused.message, errors=refused.errors, values=values)
    db.session.commit()
    return _project_card_answer(project, event_slug, sent=True)


def _request_or_404(request_id) -> JoinRequest:
    found = db.session.get(JoinRequest, request_id)
    if found is None:
        raise NotFound()
    return found


def _request_answer(request_id, action, status=200, error=None):
    if not htmx.is_htmx():
        if error:
            return _inbox(status, page_error=error)
        return htmx.redirect(url_for("teams.invites"))
    row = team_queries.join_request_row(db.session, request_id)
    g.pop("invite_count", None)  # count afresh, after this request's change
    return htmx.fragments(
        ("teams/invites.html", "join_request_card",
         {"request_row": row, "card_errors": {str(request_id): error} if error else {},
          "now": utcnow()}),
        ("_layout.html", "invite_count_oob", {"oob": True}), status=status)


def _answer(request_id, action):
    found = _request_or_404(request_id)
    with refusal(Conflict) as refused:
        action(found)
    if refused:
        return _request_answer(request_id, action, refused.status, refused.message)
    db.session.commit()
    return _request_answer(request_id, action)


@bp.post("/join-requests/<uuid:request_id>/accept")
@login_required
def accept(request_id):
    """The owner accepts: the requester joins the team."""
    return _answer(request_id, lambda r: join_requests.accept(
        db.session, r, g.profile, now=utcnow(),
        team_limit=current_app.config["TEAM_SIZE_LIMIT"]))


@bp.post("/join-requests/<uuid:request_id>/decline")
@login_required
def decline(request_id):
    """The owner declines."""
    return _answer(request_id, lambda r: join_requests.decline(db.session, r, g.profile,
                                                               now=utcnow()))


@bp.post("/join-requests/<uuid:request_id>/withdraw")
@login_required
def withdraw(request_id):
    """The requester withdraws (hx-confirm, or the Confirm box without JavaScript)."""
    found = _request_or_404(request_id)
    if found.requester_id != g.profile.id:
        raise NotFound()
    if not htmx.confirmed():  # a plain form without the box ticked: the inbox, box focused
        return _inbox(422, join_confirm_errors={str(request_id): htmx.CONFIRM_REQUIRED})
    return _answer(request_id, lambda r: join_requests.withdraw(db.session, r, g.profile,
                                                                now=utcnow()))
