"""The admins' judging and results pages of an event (mounted at /admin/events):
judges and progress, Compute results (preview) and Publish results, every version, and
the scores CSV."""
from __future__ import annotations

from flask import Blueprint, Response, g, request, stream_with_context, url_for

from .. import csvsafe
from ..clock import utcnow
from ..db import db
from ..errors import ValidationFailed
from ..events.queries import event_by_slug_or_404
from ..web import htmx
from ..web.args import page_arg
from ..web.auth import role_required
from ..web.refusals import refusal
from . import judging, results, rules


bp = Blueprint("hackathon_admin", __name__)  # mounted at /admin/events (buildstory/routes.py)

JUDGING = "hackathon/admin_judging.html"
RESULTS = "hackathon/admin_results.html"
JUDGE_BLOCKS = {"judges": "judges"}
NOTICES = {"added": "Judge added", "removed": "Judge removed"}


@bp.before_request
@role_required("admin")
def _admins_only():
    """Every page here is admin-only (403 for moderators and builders)."""
    return None


def _event(slug: str):
    return event_by_slug_or_404(db.session, slug, include_drafts=True)


def _judging_context(event, *, values=None, errors=None, message=None, done=None,
                     confirm_for=None, confirm_error=None) -> dict:
    return {"event": event, "progress": judging.progress(db.session, event, page_arg()),
            "page": page_arg(), "values": values or {}, "errors": errors or {},
            "message": message, "notice": NOTICES.get(done or request.args.get("done", "")),
            "confirm_for": confirm_for, "confirm_error": confirm_error}


@bp.route("/<slug>/judging", methods=["GET", "POST"])
def judging_page(slug):
    """Judges (field Username, button Add judge; Remove judge each) and the progress view."""
    event = _event(slug)
    if request.method == "GET":
        return htmx.page(JUDGING, JUDGE_BLOCKS, **_judging_context(event))
    values = {"username": request.form.get("username", "")}
    with refusal() as refused:
        judging.add_judge(db.session, g.profile, event, values["username"])
    if refused:
        return htmx.page(JUDGING, JUDGE_BLOCKS, refused.status, **_judging_context(
            _event(slug), values=values, errors=refused.errors, message=refused.message))
    db.session.commit()
    if htmx.is_htmx():
        return htmx.page(JUDGING, JUDGE_BLOCKS, **_judging_context(event, done="added"))
    return htmx.redirect(url_for("hackathon_admin.judging_page", slug=slug, done="added"))


@bp.post("/<slug>/judges/<uuid:profile_id>/remove")
def remove_judge(slug, profile_id):
    """Remove a judge and their scores (confirmed: the question says how many)."""
    event = _event(slug)
    with refusal() as refused:
        if not htmx.confirmed():
            raise ValidationFailed({"confirm": htmx.CONFIRM_REQUIRED})
        judging.remove_judge(db.session, g.profile, event, profile_id)
    if refused:
        ctx = _judging_context(_event(slug), message=refused.message,
                               confirm_for=profile_id, confirm_error=refused.errors.get("confirm"))
        return htmx.page(JUDGING, JUDGE_BLOCKS, refused.status, **ctx)
    db.session.commit()
    if htmx.is_htmx():
        return htmx.page(JUDGING, JUDGE_BLOCKS, **_judging_context(event, done="removed"))
    return htmx.redirect(url_for("hackathon_admin.judging_page", slug=slug, done="removed"))


def _results_context(event, *, preview: bool, message=None, confirm_error=None) -> dict:
    computed = results.compute(db.session, event) if preview else None
    versions = results.all_versions(db.session, event.id)
    return {"event": event, "preview": computed, "versions": versions,
            "next_version": (max(versions) if versions else 0) + 1,
            "publish_refusal": rules.publish_refusal(event), "message": message,
            "confirm_error": confirm_error, "published": request.args.get("published"),
            "no_scores": results.NO_SCORES}


@bp.get("/<slug>/results")
def results_page(slug):
    """Every published version; with ``?preview=1`` (button Compute results) the results as
    they stand now, which store nothing, and the Publish results form."""
    event = _event(slug)
    return htmx.page(RESULTS, None, **_results_context(
        event, preview=request.args.get("preview") == "1"))


@bp.post("/<slug>/results/publish")
def publish(slug):
    """Publish the previewed results (its fingerprint) as the next version (confirmed)."""
    event = _event(slug)
    with refusal() as refused:
        if not htmx.confirmed():
            raise ValidationFailed({"confirm": htmx.CONFIRM_REQUIRED})
        done = results.publish(db.session, g.profile, event,
                               request.form.get("fingerprint", ""), now=utcnow())
    if refused:
        ctx = _results_context(_event(slug), preview=True, message=refused.message,
                               confirm_error=refused.errors.get("confirm"))
        return htmx.page(RESULTS, {"publish-results": "publish"}, refused.status, **ctx)
    db.session.commit()
    return htmx.redirect(url_for("hackathon_admin.results_page", slug=slug,
                                 published=done.version))


@bp.get("/<slug>/scores.csv")
def scores_csv(slug):
    """Stream one row per judge score (formula-safe cells)."""
    event = _event(slug)
    rows = judging.score_rows(db.session, event.id)
    project_url = url_for("projects.show", slug="__slug__", _external=True)

    def generate():
        header = ["project", "project URL", "judge username", "judge name",
                  "creativity", "business case", "technical challenge", "impact", "design",
                  "total", "comment", "scored at"]
        yield from csvsafe.csv_lines(header, (
            (r.name, project_url.replace("__slug__", r.slug), r.username, r.display_name,
             r.creativity, r.business_case, r.technical_challenge, r.impact, r.design,
             r.creativity + r.business_case + r.technical_challenge + r.impact + r.design,
             r.comment, r.updated_at.isoformat().replace("+00:00", "Z")) for r in rows))

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}-scores.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
