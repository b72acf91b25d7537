"""Moderation endpoints: hide, unhide, ban, unban builders; hide and unhide projects.

The buttons live on the pages builders use (profile pages, member cards, project pages)
and on the admin user list, all rendered by the ``moderation_panel`` and
``project_moderation_panel`` macros of ``_ui.html``. With htmx an action answers with the
panel (``#mod-panel-profile-<id>`` / ``#mod-panel-project-<id>``) and the status badge
(``#status-badge-profile-<id>`` / ``#status-badge-project-<id>``) out of band, so the
same endpoints work on every page that renders the macros. Without JavaScript the form
carries a confirmation checkbox and the answer is a 303 back to the page it came from.
"""
from __future__ import annotations

from typing import NamedTuple
from urllib.parse import urlsplit

from flask import Blueprint, g, request, url_for

from .. import cache
from ..clock import utcnow
from ..db import db
from ..errors import DomainError, NotFound
from ..profiles.models import Profile
from ..projects.models import Project
from ..web import htmx
from ..web.auth import admin_ids, role_required
from ..web.refusals import refusal
from ..web.urls import link_for
from ..web.safe_next import safe_next
from . import access, services

bp = Blueprint("moderation", __name__)
TEMPLATE = "moderation/confirm.html"
CONFIRM_REQUIRED = htmx.CONFIRM_REQUIRED


@bp.app_template_global()
def project_moderation_actions(project) -> dict[str, bool]:
    """Template global: the project buttons the signed-in viewer gets."""
    return access.project_actions(g.get("profile"), project, admin_ids())


_BUTTONS = (  # (action key, endpoint, label, question with {who}: only destructive ones ask)
    ("hide", "moderation.hide_profile", "Hide", "Hide {who} from every public page?"),
    ("unhide", "moderation.unhide_profile", "Unhide", None),
    ("unban", "moderation.unban_profile", "Unban", None),
)


class PanelButton(NamedTuple):
    url: str
    label: str
    question: str | None


class PanelView(NamedTuple):
    """Everything a builder's moderation panel shows, worked out in one call.

    The admin list renders 50 panels; with every URL, permission and message looked up
    from the template (19 template calls per panel) the panels were most of that page's
    time. ``moderation_panel`` in ``_ui.html`` only writes these values out.
    """

    pid: str
    name: str
    buttons: list
    ban_url: str | None
    ban_question: str
    none_apply: bool
    next: str | None
    reason: str
    reason_error: str | None
    ban_open: bool


@bp.app_template_global()
def moderation_panel_view(profile, next=None, errors=None, values=None) -> PanelView | None:
    """Template global: the panel of ``profile`` for the signed-in viewer, or None when
    they may not moderate (``access.profile_actions`` decides every button)."""
    acts = access.profile_actions(g.get("profile"), profile, admin_ids())
    if not acts["any"]:
        return None
    who = profile.display_name + (f" (@{profile.username})" if profile.username else "")
    buttons = [PanelButton(link_for(endpoint, profile_id=profile.id), label,
                           question and question.format(who=who))
               for key, endpoint, label, question in _BUTTONS if acts[key]]
    errors, values = errors or {}, values or {}
    return PanelView(
        pid=f"mod-panel-profile-{profile.id}", name=profile.display_name, buttons=buttons,
        ban_url=link_for("moderation.ban_profile", profile_id=profile.id) if acts["ban"] else None,
        ban_question=f"Ban {who}? They are signed out of everything at their next click.",
        none_apply=not (acts["hide"] or acts["unhide"] or acts["ban"] or acts["unban"]),
        next=next,
        reason=values.get("reason", ""), reason_error=errors.get("reason"),
        ban_open=bool(errors or values.get("reason")))


def _context(kind: str, obj, **extra) -> dict:
    ctx = {"kind": kind, "profile": obj if kind == "profile" else None,
           "project": obj if kind == "project" else None, "error": None, "errors": {},
           "values": {}, "done": None, "focus": False, "oob": False, "confirm_error": None,
           "next": _back_url(kind, obj)}
    ctx.update(extra)
    return ctx


def _back_url(kind: str, obj) -> str:
    """Return where a plain form post goes back to: ``next``, else the local Referer."""
    owner_id = obj.id if kind == "profile" else obj.profile_id
    default = url_for("admin.user_detail", profile_id=owner_id)
    nxt = safe_next(request.form.get("next"), "")
    if nxt:
        return nxt
    ref = urlsplit(request.referrer or "")
    if ref.netloc != request.host or ref.path.startswith("/moderation/"):
        return default
    return safe_next(ref.path + (f"?{ref.query}" if ref.query else ""), default)


def _panel(kind: str, obj, status: int = 200, **extra):
    """The panel plus the status badge out of band (htmx answers)."""
    ctx = _context(kind, obj, **extra)
    return htmx.fragments((TEMPLATE, f"{kind}_panel", ctx),
                          (TEMPLATE, f"{kind}_badge", {**ctx, "oob": True}), status=status)


def _confirm_page(kind: str, obj, status: int, **extra):
    """The no-JavaScript confirmation page (a missing tick, or a ban reason too long)."""
    return htmx.page(TEMPLATE, None, status, **_context(kind, obj, **extra))


def _act(kind: str, obj, action, done: str, ask: bool = True):
    """Run ``action`` (after the confirmation when it ``ask``s: hiding and banning do,
    unhiding and unbanning do not); answer the htmx or the plain-form way."""
    is_hx = htmx.is_htmx(boosted=True)
    if ask and not htmx.confirmed():
        return _confirm_page(kind, obj, 422, confirm_error=CONFIRM_REQUIRED,
                             values=request.form)
    with refusal(DomainError) as refused:
        action()
    if refused.invalid:
        if is_hx:
            return _panel(kind, obj, refused.status, errors=refused.errors, values=request.form)
        return _confirm_page(kind, obj, refused.status, errors=refused.errors,
                             values=request.form)
    if refused:
        if not is_hx or isinstance(refused.error, NotFound):  # a deleted target has no panel
            raise refused.error
        return _panel(kind, obj, refused.status, error=refused.message, focus=True)
    back = _back_url(kind, obj)
    db.session.commit()
    cache.invalidate("admin_user_counts")  # the tabs' counts change (buildstory/cache.py)
    if is_hx:
        return _panel(kind, obj, done=done, focus=True)
    return htmx.redirect(back)


def _profile_or_404(profile_id) -> Profile:
    return db.get_or_404(Profile, profile_id)


def _project_or_404(project_id) -> Project:
    return db.get_or_404(Project, project_id)


@bp.post("/moderation/profiles/<uuid:profile_id>/hide")
@role_required("moderator")
def hide_profile(profile_id):
    """Hide a builder from every public page."""
    target = _profile_or_404(profile_id)
    return _act("profile", target, lambda: services.hide_profile(
        db.session, g.profile, target, admin_ids=admin_ids(), now=utcnow()),
        done=f"{target.display_name} is hidden.")


@bp.post("/moderation/profiles/<uuid:profile_id>/unhide")
@role_required("moderator")
def unhide_profile(profile_id):
    """Show a hidden builder again."""
    target = _profile_or_404(profile_id)
    return _act("profile", target, lambda: services.unhide_profile(
        db.session, g.profile, target, admin_ids=admin_ids()),
        done=f"{target.display_name} is visible again.", ask=False)


@bp.post("/moderation/profiles/<uuid:profile_id>/ban")
@role_required("moderator")
def ban_profile(profile_id):
    """Ban a builder for a reason (required); it takes effect on their next request."""
    target = _profile_or_404(profile_id)
    return _act("profile", target, lambda: services.ban_user(
        db.session, g.profile, target, reason=request.form.get("reason"),
        admin_ids=admin_ids(), now=utcnow()),
        done=f"{target.display_name} is banned.")


@bp.post("/moderation/profiles/<uuid:profile_id>/unban")
@role_required("moderator")  # the service answers "Only admins can unban users"
def unban_profile(profile_id):
    """Lift a ban (and any hide); admins only."""
    target = _profile_or_404(profile_id)
    return _act("profile", target, lambda: services.unban_user(
        db.session, g.profile, target, admin_ids=admin_ids()),
        done=f"{target.display_name} is no longer banned.", ask=False)


@bp.post("/moderation/projects/<uuid:project_id>/hide")
@role_required("moderator")
def hide_project(project_id):
    """Hide a project from every public page."""
    project = _project_or_404(project_id)
    return _act("project", project, lambda: services.hide_project(
        db.session, g.profile, project, admin_ids=admin_ids(), now=utcnow()),
        done=f"{project.name} is hidden.")


@bp.post("/moderation/projects/<uuid:project_id>/unhide")
@role_required("moderator")
def unhide_project(project_id):
    """Show a hidden project again."""
    project = _project_or_404(project_id)
    return _act("project", project, lambda: services.unhide_project(
        db.session, g.profile, project, admin_ids=admin_ids()),
        done=f"{project.name} is visible again.", ask=False)
