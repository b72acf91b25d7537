"""/admin/jobs: the job queue at a glance, and Retry for a failed job (admins)."""
from __future__ import annotations

from flask import Blueprint, g, request, url_for

from ..db import db
from ..errors import Conflict
from ..web import htmx
from ..web.auth import role_required
from ..web.refusals import refusal
from . import queries, rules, services

bp = Blueprint("jobs_admin", __name__)
PAGE = "admin/jobs.html"
BLOCKS = {"job-failures": "job_failures"}


@bp.before_request
@role_required("admin")
def _admins_only():
    """Every page here is admin-only (403 for moderators and builders)."""
    return None


def _page(status=200, *, message=None, notice=None):
    return htmx.page(PAGE, BLOCKS, status, q=queries.queue_status(db.session),
                     labels=rules.JOB_STATUS_LABELS, capped=rules.capped,
                     message=message, notice=notice)


@bp.get("/jobs")
def index():
    """Jobs waiting, running and failed per queue, deliveries and emails by status,
    fan-outs in progress, live workers and the latest failures."""
    return _page(notice="Job queued again" if request.args.get("done") else None)


@bp.post("/jobs/<int:job_id>/retry")
def retry_job(job_id):
    """Queue a failed job again (Retry); 409 "Only failed jobs can be retried"."""
    with refusal(Conflict) as refused:
        services.retry_job(db.session, g.profile, job_id)
    if refused:
        return _page(refused.status, message=refused.message)
    db.session.commit()
    if htmx.is_htmx():
        return _page(notice="Job queued again")
    return htmx.redirect(url_for(".index", done="retried"))
