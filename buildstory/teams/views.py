"""Team pages and actions: invitee search, invites, invite links, the inbox, members.

Views parse, load or 404, call one service, commit once and render. On the project
page the team section (``projects/show.html`` block ``team_section``, id ``team``) is
swapped whole after an htmx action; the inbox swaps one card (``invite-<id>``) and the
header count out-of-band. Without JavaScript the same forms post and 303 back.
"""
from __future__ import annotations

from flask import Blueprint, current_app, g, request, url_for
from flask_limiter.util import get_remote_address

from ..clock import utcnow
from ..db import db
from ..errors import Conflict, Gone, NotFound, ValidationFailed
from ..projects import queries as project_queries
from ..projects.views import page_context, profile_url
from ..web import htmx
from ..web.auth import login_required, preload_with_session, username_required
from ..web.limits import limiter, rate
from ..web.refusals import refusal
from . import access, forms, header, ownership, queries, services

bp = Blueprint("teams", __name__)

CONFIRM = htmx.CONFIRM_REQUIRED


def account_key() -> str:
    """Rate-limit key: the signed-in profile (the address for anyone else)."""
    profile = g.get("profile")
    return f"profile:{profile.id}" if profile is not None else f"addr:{get_remote_address()}"


bp.add_app_template_global(header.invite_count)


@bp.record_once
def _count_invites_with_the_session(state) -> None:
    """Page views read the header badge's count in the session lookup (no extra query)."""
    preload_with_session("invite_count", queries.pending_count_column)


invite_limit = limiter.shared_limit(rate("RATE_INVITES_ACCOUNT"), scope="invites",
                                    key_func=account_key)


def _limit() -> int:
    return current_app.config["TEAM_SIZE_LIMIT"]


def _project(slug: str, *, owner: bool = False):
    """Return the project (owner and members loaded) or raise 404 / 403."""
    project = project_queries.project_for_page(db.session, slug)
    if owner:
        access.require_owner(project, g.profile, g.role)
    else:
        access.require_visible(project, g.profile, g.role)
    return project


def _project_url(project) -> str:
    return url_for("projects.show", slug=project.slug)


# Blocks of the team section an answer may swap, by their root element's id.
TEAM_BLOCK_IDS = {"team_section": "team", "invite_form": "invite-form"}


def _team_answer(slug: str, status: int = 200, *, block: str = "team_section", **state):
    """Answer a team action: a team-section block for htmx; the project page (or 303) otherwise.

    The project is loaded afresh, after the commit, so the section shows the new team.
    """
    project = _project(slug)
    team = queries.team_section(db.session, project, g.profile, now=utcnow(),
                                team_limit=_limit(),
                                idle_hours=current_app.config["OWNERSHIP_IDLE_HOURS"], **state)
    if htmx.is_htmx():
        ctx = {"project": project, "team": team, "profile_url": profile_url,
               "members": queries.shown_members(project, g.profile, g.role),
               "is_owner": team["can_manage"],
               "on_team": team["can_manage"] or team["can_leave"]}
        response = htmx.fragments(("projects/show.html", block, ctx), status=status)
        if block != "team_section":
            response.headers["HX-Retarget"] = "#" + TEAM_BLOCK_IDS[block]
            response.headers["HX-Reswap"] = "outerHTML"
        return response
    if status == 200 and not state.get("new_link"):
        return htmx.redirect(_project_url(project) + "#team")
    return htmx.page("projects/show.html", None, status, **page_context(project, team=team))


# --- On the project page (owner) --------------------------------------------------------

@bp.get("/projects/<slug>/invitee-search")
@login_required
def invitee_search(slug):
    """Fragment: up to 5 visible builders who accept invites and are not on the team."""
    project = _project(slug, owner=True)
    q = request.args.get("q", request.args.get("username", ""))
    results = queries.invitee_search(db.session, project, q)
    response = htmx.fragments(("projects/show.html", "invitee_options",
                               {"project": project, "results": results, "q": q.strip()}))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/projects/<slug>/invites")
@username_required
@invite_limit
def send_invite(slug):
    """Send a direct invite by username (field Username, which a suggestion fills)."""
    project = _project(slug, owner=True)
    values = {"username": request.form.get("username", "")}
    with refusal() as refused:
        name = forms.invite_username(values)
        services.send_direct_invite(db.session, project, g.profile, name, now=utcnow(),
                                    team_limit=_limit())
    if htmx.target().startswith("match-"):  # Invite on a suggested teammate's card
        if not refused:
            db.session.commit()
        return _teammate_card(project, refused)
    if refused:
        return _team_answer(slug, refused.status, block="invite_form", form_values=values,
                            form_errors=refused.errors, form_error=refused.message)
    db.session.commit()
    return _team_answer(slug, notice=f"Invite sent to @{name}")


def _teammate_card(project, refused):
    """The teammates page's card after Invite: "Invite sent", or the refusal in the card.
    The score and why chips come back from the card's own form (display only)."""
    username = request.form.get("username", "")
    profile = queries.invitable_profile(db.session, username)
    if profile is None:
        raise NotFound()
    card = {"profile": profile, "chips": request.form.getlist("chip")[:5],
            "score": request.form.get("score", "")[:3], "row": None,
            "sent": not refused, "error": refused.message if refused else None}
    if refused and refused.errors:
        card["error"] = next(iter(refused.errors.values()))
    return htmx.fragments(("matching/teammates.html", "teammate_card",
                           {"card": card, "invite_refusal": None,
                            "viewer": {"team": {"slug": project.slug}}}),
                          status=refused.status if refused else 200)


@bp.post("/projects/<slug>/invite-links")
@username_required
@invite_limit
def create_link(slug):
    """Create a single-use invite link, shown once with its expiry."""
    project = _project(slug, owner=True)
    with refusal(Conflict) as refused:
        invite, raw = services.create_invite_link(
            db.session, project, g.profile, now=utcnow(),
            ttl_days=current_app.config["INVITE_LINK_TTL_DAYS"], team_limit=_limit())
    if refused:
        return _team_answer(slug, refused.status, link_error=refused.message)
    db.session.commit()
    link = {"url": url_for("teams.invite_link", token=raw, _external=True),
            "expires_at": invite.expires_at}
    response = _team_answer(slug, new_link=link)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/projects/<slug>/members/<uuid:profile_id>/remove")
@login_required
def remove_member(slug, profile_id):
    """The owner takes a member off the team (hx-confirm, or the checkbox without JS)."""
    project = _project(slug, owner=True)
    if not htmx.confirmed():
        return _team_answer(slug, 422, member_errors={str(profile_id): CONFIRM})
    services.remove_member(db.session, project, g.profile, profile_id, now=utcnow())
    db.session.commit()
    return _team_answer(slug)


@bp.post("/projects/<slug>/leave")
@login_required
def leave(slug):
    """Leave the team; the owner names a Next owner first. Members land on the project
    page if they may still see it."""
    project = _project(slug)
    values = {"next_owner": request.form.get("next_owner", "")}
    if not htmx.confirmed():
        return _team_answer(slug, 422, leave_error=CONFIRM, leave_values=values)
    with refusal() as refused:
        services.leave_project(db.session, project, g.profile, values["next_owner"] or None,
                               now=utcnow())
    if refused:
        return _team_answer(slug, refused.status, leave_errors=refused.errors,
                            notice_error=refused.message, leave_values=values)
    db.session.commit()
    project = project_queries.project_for_page(db.session, slug)
    if project is not None and access.project_access.can_view(project, g.profile, g.role):
        return htmx.redirect(_project_url(project))
    return htmx.redirect(url_for("pages.dashboard"))


# --- Ownership --------------------------------------------------------------------------

@bp.post("/projects/<slug>/transfer")
@login_required
def transfer(slug):
    """The owner hands the project to a member (hx-confirm, or the box without JS)."""
    project = _project(slug, owner=True)
    values = {"new_owner": request.form.get("new_owner", "")}
    with refusal() as refused:
        if not values["new_owner"].strip():
            raise ValidationFailed({"new_owner": ownership.CHOOSE_NEW_OWNER})
        if not htmx.confirmed():
            raise ValidationFailed({"confirm": ownership.CONFIRM_TRANSFER})
        new_owner = ownership.transfer(db.session, project, g.profile, values["new_owner"],
                                       now=utcnow())
    if refused:
        return _team_answer(slug, refused.status, transfer_errors=refused.errors,
                            transfer_values=values, notice_error=refused.message)
    name = new_owner.display_name
    db.session.commit()
    return _team_answer(slug, notice=f"{name} now owns this project")


@bp.post("/projects/<slug>/ownership-requests")
@login_required
def request_ownership(slug):
    """A member asks to take over a project whose owner has gone quiet in a live event."""
    project = _project(slug)
    config = current_app.config
    with refusal(Conflict) as refused:
        ownership.request_ownership(db.session, project, g.profile, now=utcnow(),
                                    request_hours=config["OWNERSHIP_REQUEST_HOURS"],
                                    idle_hours=config["OWNERSHIP_IDLE_HOURS"])
    if refused:
        return _team_answer(slug, refused.status, ownership_error=refused.message)
    db.session.commit()
    return _team_answer(slug)


def _request_answer(request_id, action, *, confirm: bool = False):
    """Run keep or withdraw on a request and answer with its project's team section."""
    slug = queries.ownership_request_slug_or_404(db.session, request_id)
    _project(slug)
    if confirm and not htmx.confirmed():
        return _team_answer(slug, 422, ownership_confirm_error=CONFIRM)
    with refusal(Conflict) as refused:
        action()
    if refused:
        return _team_answer(slug, refused.status, ownership_error=refused.message)
    db.session.commit()
    return _team_answer(slug)


@bp.post("/ownership-requests/<uuid:request_id>/decline")
@login_required
def keep_ownership(request_id):
    """The owner keeps ownership: the request is declined."""
    return _request_answer(request_id, lambda: ownership.keep_ownership(
        db.session, request_id, g.profile, now=utcnow()))


@bp.post("/ownership-requests/<uuid:request_id>/withdraw")
@login_required
def withdraw_ownership_request(request_id):
    """The requester takes the request back."""
    return _request_answer(request_id, lambda: ownership.withdraw_request(
        db.session, request_id, g.profile, now=utcnow()), confirm=True)


# --- The inbox --------------------------------------------------------------------------

def _inbox(status: int = 200, **extra):
    now = utcnow()
    return htmx.page("teams/invites.html", None, status,
                     received=queries.received_invites(db.session, g.profile, now),
                     sent=queries.sent_invites(db.session, g.profile, now),
                     requests_in=queries.join_requests_received(db.session, g.profile, now),
                     requests_out=queries.join_requests_sent(db.session, g.profile, now),
                     card_errors={}, page_error=extra.pop("page_error", None), now=now, **extra)


@bp.get("/invites")
@login_required
def invites():
    """Pending invites received (Accept / Decline) and sent (Revoke)."""
    return _inbox()


def _card_answer(invite, block: str, status: int = 200, error: str | None = None):
    """The invite's card in its new state plus the header count (htmx), else 303 / the inbox."""
    if not htmx.is_htmx():
        if error:
            return _inbox(status, page_error=error)
        return htmx.redirect(url_for("teams.invites"))
    errors = {str(invite.id): error} if error else {}
    g.pop("invite_count", None)  # count afresh, after this request's change
    return htmx.fragments(
        ("teams/invites.html", block, {"invite": invite, "card_errors": errors, "now": utcnow()}),
        ("_layout.html", "invite_count_oob", {"oob": True}), status=status)


def _answer(invite_id, action):
    """Run accept or decline for the recipient and answer with the card."""
    invite = queries.invite_for_recipient_or_404(db.session, invite_id, g.profile)
    with refusal(Conflict) as refused:
        action(invite)
    if refused:
        invite = queries.invite_for_recipient_or_404(db.session, invite_id, g.profile)
        return _card_answer(invite, "invite_card", refused.status, refused.message)
    db.session.commit()
    invite = queries.invite_for_recipient_or_404(db.session, invite_id, g.profile)
    return _card_answer(invite, "invite_card")


@bp.post("/invites/<uuid:invite_id>/accept")
@login_required
def accept(invite_id):
    """The recipient accepts: they join the team; the card says so."""
    return _answer(invite_id, lambda invite: services.accept_invite(
        db.session, invite, g.profile, now=utcnow(), team_limit=_limit()))


@bp.post("/invites/<uuid:invite_id>/decline")
@login_required
def decline(invite_id):
    """The recipient declines."""
    return _answer(invite_id, lambda invite: services.decline_invite(
        db.session, invite, g.profile, now=utcnow()))


@bp.post("/invites/<uuid:invite_id>/revoke")
@login_required
def revoke(invite_id):
    """The sender withdraws a pending invite (from the inbox or the project's team section)."""
    invite = queries.invite_for_sender_or_404(db.session, invite_id, g.profile)
    slug = invite.project.slug
    on_project = htmx.target() == "team" or request.form.get("from") == "project"
    if not htmx.confirmed():
        if on_project:
            return _team_answer(slug, 422, revoke_errors={str(invite_id): CONFIRM})
        return _inbox(422, confirm_errors={str(invite_id): CONFIRM})
    with refusal(Conflict) as refused:
        services.revoke_invite(db.session, invite, g.profile, now=utcnow())
    if refused:
        if on_project:
            return _team_answer(slug, refused.status, notice_error=refused.message)
        invite = queries.invite_for_sender_or_404(db.session, invite_id, g.profile)
        return _card_answer(invite, "sent_card", refused.status, refused.message)
    db.session.commit()
    if on_project:
        return _team_answer(slug)
    invite = queries.invite_for_sender_or_404(db.session, invite_id, g.profile)
    return _card_answer(invite, "sent_card")


# --- Invite links -----------------------------------------------------------------------

def _link_page(token: str, status: int = 200, error: str | None = None):
    invite = queries.link_invite(db.session, token)
    now = utcnow()
    state = access.link_state(invite, g.profile, now=now, team_limit=_limit())
    if state in access.LINK_STATES and access.LINK_STATES[state][0] >= 400:
        code, message = access.LINK_STATES[state]
        raise (Gone(message) if code == 410 else NotFound(message))
    project = invite.project
    ctx = {"invite": invite, "project": project, "token": token, "state": state,
           "message": access.LINK_STATES.get(state, (200, None))[1], "error": error,
           "members": queries.shown_members(project, g.profile, g.role),
           "size": 1 + len(project.members), "limit": _limit(), "profile_url": profile_url,
           "next_url": url_for("teams.invite_link", token=token)}
    response = htmx.page("teams/invite.html", {"join-team": "join"}, status, **ctx)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/invite/<token>")
def invite_link(token):
    """The invite landing page: project, owner, team, and Join team (or a sign-in prompt)."""
    return _link_page(token)


@bp.post("/invite/<token>/accept")
@login_required
def join(token):
    """Join a team through an invite link; land on the project page."""
    with refusal(Conflict) as refused:
        member = services.accept_link(db.session, token, g.profile, now=utcnow(),
                                      team_limit=_limit())
    if refused:
        return _link_page(token, refused.status, refused.message)
    slug = member.project.slug
    db.session.commit()
    return htmx.redirect(url_for("projects.show", slug=slug) + "#team")
