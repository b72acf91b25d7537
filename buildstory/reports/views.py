"""Reporting content and the moderators' reports queue (docs/rules.md "Reports").

The **Report** button (``report_button`` in ``_ui.html``) is a GET form to
``/reports/new``; htmx swaps it (``#report-<kind>-<id>``) for the form, and the form for
"Thanks. A moderator will take a look." Without JavaScript the form is a page of its own
and a sent report lands on that page's thanks. The queue's groups are
``#report-group-<kind>-<id>``: Resolve report and Dismiss report answer with the group
again.
"""
from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, g, request, url_for

from ..clock import utcnow
from ..db import db
from ..enums import REPORT_REASON_LABELS, ReportReason
from ..errors import Conflict, ValidationFailed
from ..web import htmx
from ..web.args import page_arg
from ..web.auth import login_required, role_required
from ..web.refusals import refusal
from ..web.safe_next import safe_next
from . import queries, registry, services
from .models import DETAILS_MAX, Report

bp = Blueprint("reports", __name__)

FORM = "reports/new.html"
QUEUE = "reports/queue.html"
REASONS = [(r.value, REPORT_REASON_LABELS[r]) for r in ReportReason]


@bp.app_template_global()
def report_allowed(author_id) -> bool:
    """Template global: whether the signed-in viewer gets a Report button on content by
    ``author_id`` (signed in, and not their own)."""
    viewer = g.get("profile")
    return viewer is not None and viewer.id != author_id


def _target_or_404(raw_kind, raw_id) -> registry.Target:
    kind = registry.kind_or_none(raw_kind)
    try:
        target_id = uuid.UUID(raw_id or "")
    except ValueError:
        abort(404)
    target = kind.load(db.session, target_id, g.profile, g.role) if kind else None
    if target is None:
        abort(404)
    return target


def _form_answer(target, status: int = 200, **extra):
    ctx = {"target": target, "reasons": REASONS, "details_max": DETAILS_MAX, "values": {},
           "errors": {}, "message": None, "done": None, **extra}
    if htmx.is_htmx():
        return htmx.fragments((FORM, "report_box", ctx), status=status)
    return htmx.page(FORM, None, status, **ctx)


@bp.get("/reports/new")
@login_required
def new():
    """The report form for something the viewer can see (404 otherwise)."""
    target = _target_or_404(request.args.get("kind"), request.args.get("id"))
    services.require_not_own(target, g.profile)
    if request.args.get("sent") == "1":
        return _form_answer(target, done=services.THANKS)
    return _form_answer(target)


@bp.post("/reports")
@login_required
def send():
    """Send a report: reason and optional details; notifies nobody."""
    target = _target_or_404(request.form.get("kind"), request.form.get("id"))
    with refusal(ValidationFailed, Conflict) as refused:
        services.send(db.session, g.profile, target, request.form, now=utcnow(),
                      limit_enabled=current_app.config.get("RATELIMIT_ENABLED", True))
    if refused:
        return _form_answer(target, refused.status, values=request.form, errors=refused.errors,
                            message=None if refused.errors else refused.message)
    db.session.commit()
    if htmx.is_htmx():
        return _form_answer(target, done=services.THANKS)
    return htmx.redirect(url_for("reports.new", kind=target.kind.value, id=target.id, sent=1))


# --- the moderators' queue ------------------------------------------------------------------

def queue_url(page: int = 1) -> str:
    return url_for("reports.queue", page=page) if page > 1 else url_for("reports.queue")


def _group_context(group, **extra) -> dict:
    return {"group": group, "next": safe_next(request.form.get("next"), queue_url()),
            "message": None, "done": None, **extra}


@bp.get("/moderation/reports")
@role_required("moderator")
def queue():
    """Reported targets, open ones first (oldest first), 50 a page, in one statement."""
    page = page_arg()
    groups, has_next = queries.queue_page(db.session, page)
    return htmx.page(QUEUE, None, groups=groups, has_next=has_next, page=page,
                     next=request.full_path.rstrip("?"))


BIGINT_MAX = 2**63 - 1  # a larger number in the URL names no report


def _close(report_id, action, done: str):
    report = db.session.get(Report, report_id) if report_id <= BIGINT_MAX else None
    if report is None:
        abort(404)
    kind, target_id = report.target_kind, report.target_id
    back = safe_next(request.form.get("next"), queue_url())
    with refusal(Conflict) as refused:
        action(db.session, g.profile, report_id, now=utcnow())
    if refused:
        if not htmx.is_htmx():
            raise refused.error
        return htmx.fragments((QUEUE, "report_group", _group_context(
            queries.group(db.session, kind, target_id), message=refused.message)),
            status=refused.status)
    db.session.commit()
    if htmx.is_htmx():
        return htmx.fragments((QUEUE, "report_group", _group_context(
            queries.group(db.session, kind, target_id), done=done)))
    return htmx.redirect(back)


@bp.post("/moderation/reports/<int:report_id>/resolve")
@role_required("moderator")
def resolve(report_id):
    """Close a report as acted upon (audited ``resolve_report``)."""
    return _close(report_id, services.resolve, "Report resolved.")


@bp.post("/moderation/reports/<int:report_id>/dismiss")
@role_required("moderator")
def dismiss(report_id):
    """Close a report as needing nothing (audited ``dismiss_report``)."""
    return _close(report_id, services.dismiss, "Report dismissed.")


@bp.app_template_global()
def report_links(group) -> dict:
    """Template global: the queue group's links — the content's page and the kind's own
    hide route (None when the content is gone, already hidden, or moderated elsewhere)."""
    kind = group.registration
    if kind is None or not group.exists:
        return {"open": None, "hide": None, "hide_label": None}
    endpoint, values = kind.link(group)
    hide = None
    if kind.hide is not None and not group.hidden:
        hide_endpoint, hide_values = kind.hide(group)
        hide = url_for(hide_endpoint, **hide_values)
    return {"open": url_for(endpoint, **values), "hide": hide, "hide_label": kind.hide_label}
