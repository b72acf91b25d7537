"""Sending, resolving and dismissing reports (docs/rules.md "Reports").

Sending counts the reporter's reports of the last 24 hours under their advisory lock
(``ratelimits.enforce``), then inserts with ``ON CONFLICT DO NOTHING`` on the partial
unique index: one open report per (reporter, target) holds in the database, so two
simultaneous reports of one target leave one open report and the other sender reads
"You have already reported this". Reports notify nobody. Resolving and dismissing lock
the report's row, so two moderators acting at once cannot both close it; each writes
its audit row naming the reported builder.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert

from .. import ratelimits
from ..audit import record
from ..enums import ReportReason, ReportStatus
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..profiles.models import Profile
from . import registry
from .models import DETAILS_MAX, Report

REASON_REQUIRED = "Choose a reason from the list"
DETAILS_TOO_LONG = f"Details must be at most {DETAILS_MAX} characters"
ALREADY_REPORTED = "You have already reported this"
OWN_CONTENT = "You cannot report your own content"
NOT_OPEN = "This report is no longer open"
THANKS = "Thanks. A moderator will take a look."
LIMIT = ratelimits.Limit(
    count=20, window=timedelta(days=1),
    count_message="You can send up to 20 reports per day. Please try again later.")


def clean(form) -> tuple[ReportReason, str | None]:
    """The reason and the trimmed details (None when empty); ValidationFailed (422)."""
    errors = {}
    try:
        reason = ReportReason((form.get("reason") or "").strip())
    except ValueError:
        reason, errors["reason"] = None, REASON_REQUIRED
    details = (form.get("details") or "").strip()
    if len(details) > DETAILS_MAX:
        errors["details"] = DETAILS_TOO_LONG
    if errors:
        raise ValidationFailed(errors)
    return reason, details or None


def require_not_own(target: registry.Target, reporter) -> None:
    """Builders report others' content, never their own (403)."""
    if target.author_id == reporter.id:
        raise Forbidden(OWN_CONTENT)


def send(session, reporter, target: registry.Target, form, *, now: datetime,
         limit_enabled: bool = True) -> Report:
    """Record ``reporter``'s report of ``target`` (which they can see). Raises Forbidden
    (their own), ValidationFailed (422), RateLimited (429) or Conflict (409, already
    reported and still open)."""
    require_not_own(target, reporter)
    reason, details = clean(form)
    ratelimits.enforce(session, LIMIT, scope="report", profile_id=reporter.id,
                       created_at=Report.created_at, where=Report.reporter_id == reporter.id,
                       now=now, enabled=limit_enabled)
    report_id = session.scalar(
        insert(Report).values(reporter_id=reporter.id, target_kind=target.kind,
                              target_id=target.id, reason=reason, details=details,
                              created_at=now)
        .on_conflict_do_nothing(index_elements=["reporter_id", "target_kind", "target_id"],
                                index_where=text("status = 'open'"))
        .returning(Report.id))
    if report_id is None:
        raise Conflict(ALREADY_REPORTED)
    return session.get(Report, report_id)


def _close(session, actor, report_id, status: ReportStatus, action: str, *,
           now: datetime) -> Report:
    if not 0 < report_id <= 2**63 - 1:  # beyond any id: not found, never a database error
        raise NotFound()
    report = session.scalars(select(Report).where(Report.id == report_id).with_for_update(),
                             execution_options={"populate_existing": True}).first()
    if report is None:
        raise NotFound()
    if report.status != ReportStatus.open:
        raise Conflict(NOT_OPEN)
    report.status, report.resolved_by, report.resolved_at = status, actor.id, now
    author_id = registry.author_of(session, report.target_kind, report.target_id)
    reported = session.get(Profile, author_id) if author_id else None
    record(session, actor, action, reported, report_id=report.id,
           target_kind=report.target_kind, target_id=report.target_id)
    return report


def resolve(session, actor, report_id, *, now: datetime) -> Report:
    """Close an open report as acted upon (audited ``resolve_report``); 409 otherwise."""
    return _close(session, actor, report_id, ReportStatus.resolved, "resolve_report", now=now)


def dismiss(session, actor, report_id, *, now: datetime) -> Report:
    """Close an open report as needing nothing (audited ``dismiss_report``); 409 otherwise."""
    return _close(session, actor, report_id, ReportStatus.dismissed, "dismiss_report", now=now)
