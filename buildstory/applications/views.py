"""Public forms: /mentor-apply and /sponsor-apply, each with a thank-you page.

Accepted submissions are rate-limited per address (``RATE_APPLY_ADDRESS``, default
5 per hour per form): enough for a venue's organisers, too few for a spam run. Answers
saying an email "already exists" count the same, so probing who applied is bounded too.
Other refused submissions (422) do not count, so typos never lock anyone out.
"""
from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request, url_for

from ..db import db
from ..errors import ValidationFailed
from ..clock import utcnow
from ..web import htmx
from ..web.limits import limiter
from ..web.refusals import refusal
from . import forms, services
from .models import MENTOR_TYPES

bp = Blueprint("applications", __name__)
APPLY_RATE_DEFAULT = "5 per hour"


def _apply_rate() -> str:
    return current_app.config.get("RATE_APPLY_ADDRESS", APPLY_RATE_DEFAULT)


def _accepted(response) -> bool:
    """Count accepted submissions and "already exists" answers (they reveal an email)."""
    return response.status_code < 400 or g.get("apply_email_exists", False)


def _remember_email_taken(refused) -> None:
    """An "already exists" answer counts against the limit like an accepted one."""
    if refused.errors.get("email") in (services.MENTOR_EXISTS, services.INQUIRY_EXISTS):
        g.apply_email_exists = True


@bp.route("/mentor-apply", methods=["GET", "POST"])
@limiter.limit(_apply_rate, methods=["POST"], deduct_when=_accepted)
def mentor_apply():
    """The public mentor application form; success goes to the thank-you page."""
    ctx = {"types": [(t, forms.MENTOR_TYPE_LABELS[t]) for t in MENTOR_TYPES]}
    if request.method == "GET":
        return render_template("applications/mentor_apply.html", values={"mentor_types": []},
                               errors={}, **ctx)
    values = forms.mentor_values(request.form)
    with refusal(ValidationFailed) as refused:
        services.submit_mentor_application(db.session, values, now=utcnow())
    if refused:
        _remember_email_taken(refused)
        return htmx.page("applications/mentor_apply.html", {"mentor-form": "form"},
                         refused.status, values=values, errors=refused.errors, **ctx)
    db.session.commit()
    return htmx.redirect(url_for("applications.mentor_thanks"))


@bp.get("/mentor-apply/thanks")
def mentor_thanks():
    """Thank-you page after a mentor application."""
    return render_template("applications/thanks.html", kind="mentor")


@bp.route("/sponsor-apply", methods=["GET", "POST"])
@limiter.limit(_apply_rate, methods=["POST"], deduct_when=_accepted)
def sponsor_apply():
    """The public sponsorship inquiry form; success goes to the thank-you page."""
    if request.method == "GET":
        return render_template("applications/sponsor_apply.html", values={}, errors={})
    values = forms.sponsor_values(request.form)
    with refusal(ValidationFailed) as refused:
        services.submit_sponsorship_inquiry(db.session, values, now=utcnow())
    if refused:
        _remember_email_taken(refused)
        return htmx.page("applications/sponsor_apply.html", {"sponsor-form": "form"},
                         refused.status, values=values, errors=refused.errors)
    db.session.commit()
    return htmx.redirect(url_for("applications.sponsor_thanks"))


@bp.get("/sponsor-apply/thanks")
def sponsor_thanks():
    """Thank-you page after a sponsorship inquiry."""
    return render_template("applications/thanks.html", kind="sponsor")
