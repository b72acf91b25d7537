"""The help page, help-request actions, moderators' hide/unhide and the claim link
(docs/rules.md "Mentor help").

htmx answers: the queue actions (claim, release, resolve, hide, unhide) answer the
``help_queue`` block with ``my_help`` out of band, a refusal shown on top of the queue
(409); the team's actions (ask, cancel, rate) answer ``team_help``. Without JavaScript a
success is a 303 to the page and a refusal the whole page with its message.
"""
from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, abort, current_app, g, request, url_for

from ..clock import utcnow
from ..db import db
from ..enums import HelpKind, UserRole
from ..errors import Conflict, DomainError, Forbidden
from ..web import htmx
from ..web.args import page_arg
from ..web.auth import login_required, role_required
from ..web.refusals import refusal
from ..web.safe_next import safe_next
from . import queries, rules, services

bp = Blueprint("mentoring", __name__)

TEMPLATE = "mentoring/help.html"
CLAIM_TEMPLATE = "mentoring/claim.html"
BLOCKS = {"help-queue": "help_queue", "team-help": "team_help", "my-help": "my_help"}
HIDDEN_DONE = "Help request hidden."
UNHIDDEN_DONE = "Help request visible again."


def _moderator() -> bool:
    return g.get("role") in (UserRole.moderator, UserRole.admin)


def _kinds(mentor, chosen: str | None) -> list[str]:
    """The kinds the viewer's queue shows: a mentor's types (or one of them), all for a
    moderator who is not a mentor."""
    mine = list(mentor.mentor_types) if mentor is not None else (
        [k.value for k in HelpKind] if _moderator() else [])
    return [chosen] if chosen in mine else mine


def _context(event, *, values=None, errors=None, message=None, queue_message=None,
             queue_part=True, team_part=True, hidden_part=None, mentor_types=None):
    me = g.profile
    kind = request.values.get("kind") or None
    if mentor_types is not None:  # known already (a claim read them): no second read
        mentor = SimpleNamespace(mentor_types=list(mentor_types))
    else:
        mentor = queries.mentor_row(db.session, me.id) if me.banned_at is None else None
    shows_queue = mentor is not None or _moderator()
    ctx = {"event": event, "open": rules.queue_open(event.status), "closed": rules.QUEUE_CLOSED,
           "mentor": mentor, "shows_queue": shows_queue, "moderator": _moderator(),
           "kind": kind if mentor is not None and kind in mentor.mentor_types else None,
           "kind_options": [(k.value, k.label) for k in HelpKind], "values": values or {}, "errors": errors or {},
           "message": message, "queue_message": queue_message, "projects": [],
           "requests": [], "team_digest": "", "queue": None, "hidden": [], "now": utcnow(),
           "oob": False, "max_claimed": current_app.config["MENTOR_MAX_CLAIMED"],
           "confirm_error": None, "confirm_for": None}
    if team_part:
        ctx["projects"] = queries.team_projects(db.session, event, me)
        if ctx["projects"]:
            ctx["requests"] = queries.team_requests(db.session, event, me)
            ctx["team_digest"] = queries.digest([r[0] for r in ctx["requests"]])
    if queue_part and shows_queue:
        kinds = _kinds(mentor, ctx["kind"])
        # Moderators also see requests in progress (hiding cancels those too).
        ctx["queue"] = queries.queue(db.session, event, me, kinds, page=page_arg(),
                                     in_progress=_moderator())
        if _moderator() and (team_part if hidden_part is None else hidden_part):
            ctx["hidden"] = queries.hidden_requests(db.session, event)
    ctx["team_active"] = any(r[0].status in ("open", "claimed") for r in ctx["requests"])
    return ctx


def _page_url(event, **values):
    return url_for("mentoring.help_page", slug=event.slug, **values)


@bp.get("/events/<slug>/help")
@login_required
def help_page(slug):
    """The team panel and, for mentors and moderators, the queue. Polls carry ``v``, the
    digest of what the polled block shows: unchanged → 204."""
    event = queries.event_or_404(db.session, slug)
    target, seen = htmx.target(), request.args.get("v")
    if htmx.is_htmx() and target == "help-queue":
        ctx = _context(event, team_part=False)
        if ctx["queue"] is None:
            return htmx.vary(current_app.response_class(status=204))
        if seen and seen == ctx["queue"].digest:
            return htmx.vary(current_app.response_class(status=204))
        return _queue_fragments(ctx)
    if htmx.is_htmx() and target == "team-help":
        ctx = _context(event, queue_part=False)
        if seen and seen == ctx["team_digest"]:
            return htmx.vary(current_app.response_class(status=204))
        return htmx.page(TEMPLATE, BLOCKS, **ctx)
    return htmx.page(TEMPLATE, BLOCKS, **_context(event))


def _commit_keeping_loaded():
    """Commit without expiring what is loaded: the answer renders the event and the viewer
    as they were read in this transaction, without reading them again."""
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def _queue_fragments(ctx, status=200, *, hidden=False):
    if hidden:
        return htmx.fragments((TEMPLATE, "help_queue", ctx),
                              (TEMPLATE, "my_help", {**ctx, "oob": True}),
                              (TEMPLATE, "hidden_help", {**ctx, "oob": True}), status=status)
    return htmx.fragments((TEMPLATE, "help_queue", ctx),
                          (TEMPLATE, "my_help", {**ctx, "oob": True}), status=status)


@bp.post("/events/<slug>/help")
@login_required
def ask(slug):
    """Ask for help (the team of a project entered in the live event)."""
    event = queries.event_or_404(db.session, slug)
    with refusal() as refused:
        services.ask(db.session, event, g.profile, request.form, now=utcnow(),
                     rate_limited=current_app.config.get("RATELIMIT_ENABLED", True))
    if refused:
        values = {k: request.form.get(k, "") for k in
                  ("project", "topic", "details", "kind", "meeting_url")}
        ctx = _context(event, values=values, errors=refused.errors, message=refused.message,
                       queue_part=not htmx.is_htmx())
        return htmx.page(TEMPLATE, {"team-help": "team_help"}, refused.status, **ctx)
    db.session.commit()
    if htmx.is_htmx():
        return htmx.page(TEMPLATE, {"team-help": "team_help"},
                         **_context(event, queue_part=False, message=None))
    return htmx.redirect(_page_url(event) + "#team-help")


def _event_of(request_row):
    from ..events.models import Event
    return db.session.get(Event, request_row.event_id)


def _queue_action(request_id, act, *, moderation=False, done_text=None):
    """Run a mentor's or moderator's action and answer with the queue (a moderator's with
    the hidden requests too). ``act`` returns the request, or (request, event, types).

    A moderator's hide or unhide sent from another page (the reports queue) carries a
    local ``next``: without JavaScript it leads back there, with htmx the answer is a
    short note in place of the button rather than this event's queue."""
    with refusal(Conflict, Forbidden) as refused:
        done = act()
    if refused and isinstance(refused.error, Forbidden) and not htmx.is_htmx():
        raise refused.error
    if not refused:
        _commit_keeping_loaded()
        done, event, types = done if isinstance(done, tuple) else (done, None, None)
        event = event or _event_of(done)
        elsewhere = moderation and request.form.get("next")
        if not htmx.is_htmx():
            return htmx.redirect(safe_next(request.form.get("next"), _page_url(event))
                                 if moderation else _page_url(event))
        if elsewhere:
            return htmx.fragments((TEMPLATE, "moderated_elsewhere",
                                   {"event": event, "done": done_text}))
        ctx = _context(event, team_part=False, hidden_part=moderation, mentor_types=types)
        return _queue_fragments(ctx, hidden=moderation)
    row = db.session.get(services.HelpRequest, request_id)
    if row is None:
        abort(404)
    event = _event_of(row)
    ctx = _context(event, team_part=not htmx.is_htmx(), queue_message=refused.message,
                   hidden_part=moderation or not htmx.is_htmx())
    if htmx.is_htmx():
        return _queue_fragments(ctx, refused.status, hidden=moderation)
    return htmx.page(TEMPLATE, BLOCKS, refused.status, **ctx)


@bp.post("/help-requests/<uuid:request_id>/claim")
@login_required
def claim(request_id):
    """A mentor takes an open request."""
    return _queue_action(request_id, lambda: services.claim_with_event(
        db.session, request_id, g.profile, now=utcnow(),
        max_claimed=current_app.config["MENTOR_MAX_CLAIMED"]))


@bp.post("/help-requests/<uuid:request_id>/release")
@login_required
def release(request_id):
    """The claiming mentor puts it back in the queue."""
    return _queue_action(request_id, lambda: services.release(
        db.session, request_id, g.profile, now=utcnow()))


@bp.post("/help-requests/<uuid:request_id>/resolve")
@login_required
def resolve(request_id):
    """The claiming mentor marks it resolved."""
    return _queue_action(request_id, lambda: services.resolve(
        db.session, request_id, g.profile, now=utcnow()))


@bp.post("/moderation/help-requests/<uuid:request_id>/hide")
@role_required("moderator")
def hide(request_id):
    """Hide a request (cancelling it when open or claimed)."""
    if not htmx.confirmed():
        row = db.session.get(services.HelpRequest, request_id)
        if row is None:
            abort(404)
        ctx = _context(_event_of(row), team_part=not htmx.is_htmx(), hidden_part=True)
        ctx.update(confirm_error=htmx.CONFIRM_REQUIRED, confirm_for=str(request_id))
        return htmx.page(TEMPLATE, BLOCKS, 422, **ctx)
    return _queue_action(request_id, lambda: services.hide(
        db.session, g.profile, request_id, now=utcnow()), moderation=True,
        done_text=HIDDEN_DONE)


@bp.post("/moderation/help-requests/<uuid:request_id>/unhide")
@role_required("moderator")
def unhide(request_id):
    """Show a hidden request again."""
    return _queue_action(request_id, lambda: services.unhide(
        db.session, g.profile, request_id, now=utcnow()), moderation=True,
        done_text=UNHIDDEN_DONE)


def _team_action(request_id, act):
    with refusal() as refused:
        done = act()
    if not refused:
        db.session.commit()
        event = _event_of(done)
        if not htmx.is_htmx():
            return htmx.redirect(_page_url(event) + "#team-help")
        return htmx.page(TEMPLATE, {"team-help": "team_help"},
                         **_context(event, queue_part=False))
    row = db.session.get(services.HelpRequest, request_id)
    event = _event_of(row)
    ctx = _context(event, queue_part=not htmx.is_htmx(), message=refused.message,
                   errors=refused.errors)
    ctx["rating_errors"] = {str(request_id): refused.errors} if refused.errors else {}
    ctx["rating_values"] = {str(request_id): dict(request.form)}
    return htmx.page(TEMPLATE, {"team-help": "team_help"}, refused.status, **ctx)


@bp.post("/help-requests/<uuid:request_id>/cancel")
@login_required
def cancel(request_id):
    """The team cancels its open or claimed request."""
    return _team_action(request_id, lambda: services.cancel(
        db.session, request_id, g.profile, now=utcnow()))


@bp.post("/help-requests/<uuid:request_id>/rate")
@login_required
def rate(request_id):
    """The team rates a resolved request once."""
    return _team_action(request_id, lambda: services.rate(
        db.session, request_id, g.profile, request.form, now=utcnow()))


# --- the claim link -------------------------------------------------------------------------

@bp.route("/mentor-claim/<token>", methods=["GET", "POST"])
def claim_link(token):
    """The approval email's link: **Become a mentor** (signed in), else sign in first."""
    now = utcnow()
    application = services.application_for_token(db.session, token, now=now)
    ctx = {"application": application, "token": token, "message": None, "done": False,
           "is_mentor": False}
    profile = g.get("profile")
    if profile is not None:
        ctx["is_mentor"] = queries.mentor_row(db.session, profile.id) is not None
    if request.method == "GET":
        return htmx.page(CLAIM_TEMPLATE, None, **ctx)
    if profile is None:
        from ..web.auth import sign_in_url
        return htmx.redirect(url_for("identity.sign_in") + "?next="
                             + url_for("mentoring.claim_link", token=token))
    with refusal() as refused:
        services.claim_link(db.session, token, profile, now=now)
    if refused:
        ctx["message"] = refused.message
        return htmx.page(CLAIM_TEMPLATE, {"mentor-claim": "claim_panel"}, refused.status, **ctx)
    db.session.commit()
    ctx.update(done=True, is_mentor=True)
    return htmx.page(CLAIM_TEMPLATE, {"mentor-claim": "claim_panel"}, **ctx)
