"""/admin/outbox: the emails queued, sent, failed and suppressed; retry a failed one
(admins; mounted under /admin)."""
from __future__ import annotations

from flask import Blueprint, abort, g, request, url_for

from ..audit import record
from ..db import db
from ..errors import Conflict
from ..web import htmx
from ..web.args import page_arg
from ..web.auth import role_required
from ..web.refusals import refusal
from . import services
from .models import EmailOutbox, EmailStatus

bp = Blueprint("mail_admin", __name__)
PER_PAGE = 50
LIST_BLOCKS = {"outbox-main": "main"}
DETAIL_BLOCKS = {"outbox-email": "email"}
MAX_ID = 2**63 - 1  # a bigint: larger numbers in the URL name no email


def _row_or_404(outbox_id: int) -> EmailOutbox:
    row = db.session.get(EmailOutbox, outbox_id) if outbox_id <= MAX_ID else None
    if row is None:
        abort(404)
    return row


@bp.get("/outbox")
@role_required("admin")
def outbox():
    """Every email, newest first, 50 a page, optionally of one status."""
    status = request.args.get("status") or None
    if status not in {None, *(s.value for s in EmailStatus)}:
        status = None
    page = page_arg()
    rows, total = services.outbox_page(db.session, status=status, page=page, per_page=PER_PAGE)
    return htmx.page("admin/outbox.html", LIST_BLOCKS, rows=rows, total=total, page=page,
                     pages=max(1, -(-total // PER_PAGE)), current=status,
                     statuses=[s.value for s in EmailStatus])


@bp.get("/outbox/<int:outbox_id>")
@role_required("admin")
def outbox_email(outbox_id):
    """One email with its bodies (kept in development only)."""
    return htmx.page("admin/outbox_email.html", DETAIL_BLOCKS, row=_row_or_404(outbox_id),
                     error=None)


@bp.post("/outbox/<int:outbox_id>/retry")
@role_required("admin")
def retry_outbox_email(outbox_id):
    """Queue a failed email again (audited)."""
    _row_or_404(outbox_id)
    with refusal(Conflict) as refused:
        row = services.retry_email(db.session, outbox_id)
        record(db.session, g.profile, "retry_email", outbox_id=outbox_id)
    if refused:
        row = db.session.get(EmailOutbox, outbox_id)
        return htmx.page("admin/outbox_email.html", DETAIL_BLOCKS, refused.status, row=row,
                         error=refused.message)
    db.session.commit()
    if htmx.is_htmx():
        return htmx.page("admin/outbox_email.html", DETAIL_BLOCKS, row=row, error=None)
    return htmx.redirect(url_for(".outbox_email", outbox_id=outbox_id))
