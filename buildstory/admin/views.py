"""The admin area: dashboard, users (moderators and admins), roles, deletion, audit log.

Event management, applications, streams and draws live on their own blueprints; this
one owns ``/admin``, ``/admin/users…`` and ``/admin/audit``.
"""
from __future__ import annotations

import io
import json

import pycountry
from flask import Blueprint, Response, g, request, stream_with_context, url_for

from .. import cache, csvsafe
from ..csvsafe import neutralise
from ..clock import utcnow
from ..db import db
from ..enums import USER_ROLE_LABELS
from ..errors import DomainError, NotFound
from ..identity.roles import is_super_admin
from ..moderation import services
from ..profiles.models import Profile
from ..web import htmx
from ..web.args import page_arg
from ..web.auth import admin_ids, role_required
from ..web.refusals import refusal
from ..events.queries import featured_event
from ..mentoring import admin_views as mentor_panel
from ..mentoring import services as mentor_services
from ..teams import ownership
from . import audit_text, charts, queries, stats

bp = Blueprint("admin", __name__)  # mounted at /admin (buildstory/routes.py)
USER_TEMPLATE = "admin/user.html"


def country_name(code: str | None) -> str:
    """Return the English name of an ISO country code (the code itself when unknown)."""
    country = pycountry.countries.get(alpha_2=code or "")
    return getattr(country, "common_name", None) or getattr(country, "name", code or "")


@bp.get("")
@role_required("moderator")
def dashboard():
    """Featured-event stats, sign-ups per day, builders per country, recent activity."""
    session, now = db.session, utcnow()
    event = stats.featured_event(session)
    # Aggregates over every builder and registration: kept for STATS_CACHE_SECONDS.
    event_stats, signups, countries = cache.cached(
        ("admin_dashboard", event.id if event else None, now.date()),
        lambda: (stats.event_stats(session, event, now=now) if event else None,
                 stats.signups_per_day(session, now=now), stats.builders_per_country(session)))
    signup_chart = charts.day_columns(
        signups, title="Sign-ups per day, last 30 days", empty_text="No sign-ups in the last 30 days")
    country_chart = charts.horizontal_bars(
        [(country_name(code), n) for code, n in countries], title="Builders per country (top 10)",
        empty_text="No builders have set a country yet", label_header="Country",
        value_header="Builders")
    return htmx.page("admin/dashboard.html", None, event=event, event_stats=event_stats,
                     signup_chart=signup_chart, country_chart=country_chart,
                     activity=stats.recent_activity(session),
                     activity_labels=stats.ACTIVITY_LABELS)


@bp.get("/users")
@role_required("moderator")
def users():
    """Search, status tabs with counts, role filter and pages of ≤ 50 builders."""
    args = request.args
    status = args.get("status") if args.get("status") in queries.STATUSES else "all"
    role = args.get("role") if args.get("role") in USER_ROLE_LABELS else ""
    q = (args.get("q") or "").strip()[:100]
    page = page_arg(maximum=queries.MAX_PAGE)
    # The tabs count every match (all 100k builders without a search): cached.
    counts = cache.cached(("admin_user_counts", q, role),
                          lambda: queries.user_counts(db.session, q=q, role=role or None))
    result = queries.user_list(db.session, q=q, status=status, role=role or None, page=page,
                               counts=counts)
    deleted = queries.deleted_entry(db.session, args["deleted"]) if args.get("deleted") else None
    return htmx.page("admin/users.html", {"user-results": "results"}, q=q, tab=status,
                     role=role, result=result, statuses=queries.STATUS_LABELS,
                     roles=USER_ROLE_LABELS, deleted=deleted, tab_count=queries.tab_count)


def _detail_context(profile: Profile, *, mentor=mentor_panel.UNLOADED, **extra) -> dict:
    session = db.session
    audit, _ = queries.audit_entries(session, person_id=profile.id)
    ctx = {"profile": profile, "registrations": queries.registrations_of(session, profile.id),
           "projects": queries.projects_of(session, profile.id),
           "invites": queries.invites_of(session, profile.id), "audit": audit,
           "action_label": audit_text.action_label, "details": audit_text.details,
           "roles": USER_ROLE_LABELS,
           "target_is_super": is_super_admin(profile, admin_ids()),
           "done": request.args.get("done"), "role_error": None, "role_errors": {},
           "delete_error": None, "delete_errors": {}, "delete_values": {},
           **mentor_panel.context(session, profile, mentor=mentor),
           "succession": _succession(profile)}
    ctx.update(extra)
    return ctx


def _succession(profile: Profile):
    """What deleting the builder does to their projects (shown to admins above the form)."""
    if g.role != "admin" or is_super_admin(profile, admin_ids()) or profile.id == g.profile.id:
        return None  # only admins see the delete form, never for themselves or a super-admin
    return ownership.succession_plan(db.session, profile.id)


def _form_context(profile: Profile, **extra) -> dict:
    """What the role and delete form blocks need (no list queries)."""
    ctx = {"profile": profile, "roles": USER_ROLE_LABELS, "done": None, "role_error": None,
           "role_errors": {}, "delete_error": None, "delete_errors": {}, "delete_values": {},
           "succession": _succession(profile)}
    ctx.update(extra)
    return ctx


@bp.get("/users/<uuid:profile_id>")
@role_required("moderator")
def user_detail(profile_id):
    """One builder: registrations, projects, invites, audit history; role and delete forms."""
    found = queries.profile_with_mentor(db.session, profile_id)
    if found is None:
        raise NotFound()
    profile, mentor = found
    return htmx.page(USER_TEMPLATE, None, **_detail_context(profile, mentor=mentor))


def _form_refusal(profile, block: str, refused, **fields):
    """Answer a refused role/delete form: in place for htmx, the full page otherwise."""
    if isinstance(refused.error, NotFound):
        raise refused.error  # deleted by another admin meanwhile: no form left to render
    status = refused.status
    if refused.invalid:
        extra = {f"{block}_errors": refused.errors, **fields}
    elif htmx.is_htmx():
        extra = {f"{block}_error": refused.message, **fields}
    else:
        raise refused.error
    if htmx.is_htmx():
        return htmx.fragments((USER_TEMPLATE, f"{block}_form", _form_context(profile, **extra)),
                              status=status)
    return htmx.page(USER_TEMPLATE, None, status, **_detail_context(profile, **extra))


@bp.post("/users/<uuid:profile_id>/role")
@role_required("moderator")  # the service answers moderators "Only admins can manage roles"
def change_role(profile_id):
    """Give a builder another role (admins; not yourself, not a super-admin)."""
    profile = db.get_or_404(Profile, profile_id)
    with refusal(DomainError) as refused:
        changed = services.set_role(db.session, g.profile, profile, request.form.get("role", ""),
                                    admin_ids=admin_ids())
    if refused:
        return _form_refusal(profile, "role", refused)
    db.session.commit()
    cache.invalidate("admin_user_counts")
    if htmx.is_htmx():
        done = "role" if changed else "role-same"
        return htmx.fragments((USER_TEMPLATE, "role_form", _form_context(profile, done=done)))
    return htmx.redirect(url_for("admin.user_detail", profile_id=profile.id, done="role"))


def _mentor_answer(profile, status=200, **extra):
    """The Mentor section in place (htmx), the page with it otherwise."""
    if htmx.is_htmx():
        ctx = {"profile": profile, **mentor_panel.context(db.session, profile, **extra)}
        return htmx.fragments((USER_TEMPLATE, "mentor_form", ctx), status=status)
    if status == 200:
        return htmx.redirect(url_for("admin.user_detail", profile_id=profile.id,
                                     done="mentor") + "#mentor-form")
    return htmx.page(USER_TEMPLATE, None, status, **_detail_context(profile, **extra))


@bp.post("/users/<uuid:profile_id>/mentor")
@role_required("admin")
def save_mentor(profile_id):
    """**Save mentor types**: grant the mentor capability or change its types."""
    profile = db.get_or_404(Profile, profile_id)
    types = request.form.getlist("mentor_types")
    with refusal() as refused:
        mentor_services.grant(db.session, g.profile, profile, types, now=utcnow(),
                              featured_event=featured_event(db.session))
    if refused:
        return _mentor_answer(profile, refused.status, mentor_error=refused.message,
                              mentor_errors=refused.errors, mentor_values=types)
    db.session.commit()
    return _mentor_answer(profile, mentor_done="saved")


@bp.post("/users/<uuid:profile_id>/mentor/remove")
@role_required("admin")
def remove_mentor(profile_id):
    """**Remove mentor**: their claimed requests go back to the queue first."""
    profile = db.get_or_404(Profile, profile_id)
    if not htmx.confirmed():
        return _mentor_answer(profile, 422, mentor_confirm_error=htmx.CONFIRM_REQUIRED)
    with refusal() as refused:
        mentor_services.remove(db.session, g.profile, profile, now=utcnow())
    if refused:
        return _mentor_answer(profile, refused.status, mentor_error=refused.message)
    db.session.commit()
    return _mentor_answer(profile, mentor_done="removed")


@bp.post("/users/<uuid:profile_id>/delete")
@role_required("moderator")  # the service answers moderators "Only admins can delete users"
def delete_user(profile_id):
    """Delete a builder and everything they own after the typed confirmation."""
    profile = db.get_or_404(Profile, profile_id)
    typed = request.form.get("confirm_username", "")
    with refusal(DomainError) as refused:
        row = services.delete_user(db.session, g.profile, profile, confirm=typed,
                                   admin_ids=admin_ids(), now=utcnow())
    if refused:
        return _form_refusal(profile, "delete", refused,
                             delete_values={"confirm_username": typed[:200]})
    db.session.commit()
    cache.invalidate("admin_user_counts")
    return htmx.redirect(url_for("admin.users", deleted=row.id))


@bp.get("/audit")
@role_required("admin")
def audit():
    """The audit log, newest first, filtered by action, actor and target; "Load more"."""
    args = request.args
    action = args.get("action") if args.get("action") in audit_text.ACTION_LABELS else ""
    actor = (args.get("actor") or "").strip()[:100]
    target = (args.get("target") or "").strip()[:100]
    page = page_arg(maximum=queries.MAX_PAGE)
    rows, has_next = queries.audit_entries(db.session, action=action, actor=actor,
                                           target=target, page=page)
    return htmx.page("admin/audit.html", {"audit-more": "more_rows", "audit-results": "results"},
                     rows=rows, has_next=has_next, page=page, action=action, actor=actor,
                     target=target, action_labels=audit_text.ACTION_LABELS,
                     details=audit_text.details,
                     csv_args={k: v for k, v in (("action", action), ("actor", actor),
                                                 ("target", target)) if v})


@bp.get("/audit.csv")
@role_required("admin")
def audit_csv():
    """The audit log as CSV with the same filters: time, action, actor, target, the
    readable details and the recorded metadata (JSON, keys as stored)."""
    args = request.args
    action = args.get("action") if args.get("action") in audit_text.ACTION_LABELS else ""
    rows, _ = queries.audit_entries(db.session, action=action,
                                    actor=(args.get("actor") or "").strip()[:100],
                                    target=(args.get("target") or "").strip()[:100],
                                    per_page=None)

    def generate():
        buffer = io.StringIO()
        writer = csvsafe.writer(buffer)
        writer.writerow(["time", "action", "actor", "target", "details", "metadata"])
        for entry, _actor_link, _target_link in rows:
            writer.writerow([neutralise(v) for v in (
                entry.created_at.isoformat().replace("+00:00", "Z"),
                audit_text.action_label(entry.action), entry.actor_name or "Command line",
                entry.target_name, audit_text.details(entry.action, entry.meta),
                json.dumps(entry.meta or {}, ensure_ascii=False, sort_keys=True))])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
