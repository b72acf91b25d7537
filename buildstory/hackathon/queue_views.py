"""The review page and the judge page with their forms (docs/rules.md "Peer review",
"Judging").

A GET never hands anything out. After **Review next submission**, a new review, **Skip**
or a declared conflict, htmx gets the ``review_panel`` block (the next submission, its
heading focused) plus the progress line and the reviewer's list out of band; without
JavaScript the POST answers 303 to the page. The judge page does the same with
``judge_panel`` and ``judge_progress``.
"""
from __future__ import annotations

from flask import Blueprint, g, request, url_for

from ..clock import utcnow
from ..db import db
from ..enums import QueueKind
from ..events import access as event_access
from ..events import queries as event_queries
from ..web import htmx
from ..web.auth import login_required
from ..web.refusals import refusal
from . import eligibility, judge_services, queue, review_queries, review_services, rules
from .review_forms import CATEGORIES, SCORES

bp = Blueprint("queues", __name__)

REVIEW_TEMPLATE = "hackathon/review.html"
JUDGE_TEMPLATE = "hackathon/judge.html"
REVIEW_FORM_TEMPLATE = "hackathon/review_form.html"
SCORE_FORM_TEMPLATE = "hackathon/score_form.html"


def _event(slug):
    return event_queries.event_by_slug_or_404(
        db.session, slug, include_drafts=event_access.can_view_drafts(g.role))


def _common():
    return {"categories": CATEGORIES, "score_options": [(s, s) for s in SCORES]}


# --- peer review ----------------------------------------------------------------------

def _review_context(event, *, values=None, errors=None, confirm_error=None, focus=False):
    now = utcnow()
    me = g.profile.id
    ctx = {"event": event, "closed": rules.review_refusal(event, now),
           "reviewer": eligibility.is_reviewer(db.session, event.id, me),
           "not_a_reviewer": eligibility.NOT_A_REVIEWER, "held": None, "eligible": False,
           "team": [], "progress": None, "mine": [], "values": values or {},
           "errors": errors or {}, "confirm_error": confirm_error, "focus": focus, "oob": False,
           "project": None, **_common()}
    if ctx["reviewer"]:
        if not ctx["closed"]:
            found = queue.held(db.session, QueueKind.review, event.id, me)
            if found:
                ctx["held"], ctx["project"], ctx["eligible"] = found
                if ctx["eligible"]:
                    ctx["team"] = review_queries.team(db.session, ctx["project"])
            ctx["progress"] = queue.progress(db.session, QueueKind.review, event.id, me)
        ctx["mine"] = review_queries.own_reviews(db.session, event.id, me)
    return ctx


@bp.get("/events/<slug>/review")
@login_required
def review_page(slug):
    """The held submission, the form, progress and the reviewer's own reviews."""
    event = _event(slug)
    return htmx.page(REVIEW_TEMPLATE, None, **_review_context(event))


def _review_answer(event, status=200, **state):
    """After a queue action: the panel plus progress and list out of band (htmx), else 303."""
    if status == 200 and not htmx.is_htmx():
        return htmx.redirect(url_for("queues.review_page", slug=event.slug))
    ctx = _review_context(event, focus=status == 200, **state)
    if not htmx.is_htmx():
        return htmx.page(REVIEW_TEMPLATE, None, status, **ctx)
    oob = {**ctx, "oob": True}
    response = htmx.fragments((REVIEW_TEMPLATE, "review_panel", ctx),
                              (REVIEW_TEMPLATE, "review_progress", oob),
                              (REVIEW_TEMPLATE, "own_reviews", oob), status=status)
    response.headers["HX-Retarget"] = "#review-panel"
    response.headers["HX-Reswap"] = "outerHTML"
    return response


def _review_action(slug, action):
    event = _event(slug)
    action(db.session, event, g.profile, now=utcnow())
    db.session.commit()
    return _review_answer(event)


@bp.post("/events/<slug>/review/next")
@login_required
def review_next(slug):
    """**Review next submission**."""
    return _review_action(slug, review_services.next_submission)


@bp.post("/events/<slug>/review/skip")
@login_required
def review_skip(slug):
    """**Skip**: stored; the next submission is handed out."""
    return _review_action(slug, review_services.skip)


@bp.post("/events/<slug>/review/skips/clear")
@login_required
def review_clear_skips(slug):
    """**Review skipped submissions**."""
    return _review_action(slug, review_services.clear_skips)


@bp.post("/events/<slug>/review/conflict")
@login_required
def review_conflict(slug):
    """**I have a conflict of interest** (asks first, like a destructive action)."""
    event = _event(slug)
    if not htmx.confirmed():
        review_services.require_reviewer(db.session, event, g.profile, utcnow())
        return _review_answer(event, 422, confirm_error=htmx.CONFIRM_REQUIRED)
    return _review_action(slug, review_services.declare_conflict)


def _review_form_context(event, submission, project, review, *, values=None, errors=None):
    if values is None:
        values = {}
        if review is not None:
            values = {"feedback": review.feedback,
                      **review_services.review_highlights(db.session, review.id)}
    return {"event": event, "held": submission, "project": project, "review": review,
            "team": review_queries.team(db.session, project), "values": values,
            "errors": errors or {}, **_common()}


@bp.route("/events/<slug>/reviews/<project_slug>", methods=["GET", "POST"])
@login_required
def review_form(slug, project_slug):
    """**Submit review** (the held submission) / **Save review** (an own review)."""
    event = _event(slug)
    now = utcnow()
    if request.method == "GET":
        submission, project, review = review_services.open_form(db.session, event, g.profile,
                                                                project_slug, now=now)
        return htmx.page(REVIEW_FORM_TEMPLATE, None,
                         **_review_form_context(event, submission, project, review))
    with refusal() as refused:
        saved = review_services.save_review(db.session, event, g.profile, project_slug,
                                            request.form, now=now)
    if refused and refused.invalid:
        values = request.form.to_dict()
        submission, project, review = review_services.open_form(db.session, event, g.profile,
                                                                project_slug, now=now)
        if review is None and htmx.target() != "review-form":
            return _review_answer(event, 422, values=values, errors=refused.errors)
        ctx = _review_form_context(event, submission, project, review, values=values,
                                   errors=refused.errors)
        return htmx.page(REVIEW_FORM_TEMPLATE, {"review-form": "review_form"}, 422, **ctx)
    if refused:
        raise refused.error
    db.session.commit()
    if saved.created and htmx.target() == "review-panel":
        return _review_answer(event)
    return htmx.redirect(url_for("queues.review_page", slug=event.slug))


# --- judging --------------------------------------------------------------------------

def _judge_context(event, *, values=None, errors=None, confirm_error=None, focus=False):
    me = g.profile.id
    k = event.judges_per_submission
    ctx = {"event": event, "closed": rules.judging_refusal(event), "held": None,
           "eligible": False, "team": [], "progress": None, "k": k, "values": values or {},
           "errors": errors or {}, "confirm_error": confirm_error, "focus": focus, "oob": False,
           "project": None, **_common()}
    if not ctx["closed"]:
        found = queue.held(db.session, QueueKind.judge, event.id, me)
        if found:
            ctx["held"], ctx["project"], ctx["eligible"] = found
            if ctx["eligible"]:
                ctx["team"] = review_queries.team(db.session, ctx["project"])
        ctx["progress"] = queue.progress(db.session, QueueKind.judge, event.id, me, k=k)
    ctx["mine"] = review_queries.own_scores(db.session, event.id, me)
    return ctx


@bp.get("/events/<slug>/judge")
@login_required
def judge_page(slug):
    """The held submission and team (no peer reviews or counts), the score form, progress
    and the judge's own scores."""
    event = _event(slug)
    eligibility.require_judge(db.session, event.id, g.profile.id)
    return htmx.page(JUDGE_TEMPLATE, None, **_judge_context(event))


def _judge_answer(event, status=200, **state):
    if status == 200 and not htmx.is_htmx():
        return htmx.redirect(url_for("queues.judge_page", slug=event.slug))
    ctx = _judge_context(event, focus=status == 200, **state)
    if not htmx.is_htmx():
        return htmx.page(JUDGE_TEMPLATE, None, status, **ctx)
    oob = {**ctx, "oob": True}
    response = htmx.fragments((JUDGE_TEMPLATE, "judge_panel", ctx),
                              (JUDGE_TEMPLATE, "judge_progress", oob),
                              (JUDGE_TEMPLATE, "own_scores", oob), status=status)
    response.headers["HX-Retarget"] = "#judge-panel"
    response.headers["HX-Reswap"] = "outerHTML"
    return response


def _judge_action(slug, action):
    event = _event(slug)
    action(db.session, event, g.profile, now=utcnow())
    db.session.commit()
    return _judge_answer(event)


@bp.post("/events/<slug>/judge/next")
@login_required
def judge_next(slug):
    """**Judge next submission**."""
    return _judge_action(slug, judge_services.next_submission)


@bp.post("/events/<slug>/judge/skip")
@login_required
def judge_skip(slug):
    """**Skip**."""
    return _judge_action(slug, judge_services.skip)


@bp.post("/events/<slug>/judge/conflict")
@login_required
def judge_conflict(slug):
    """**I have a conflict of interest** (asks first)."""
    event = _event(slug)
    if not htmx.confirmed():
        judge_services.require_judging(db.session, event, g.profile)
        return _judge_answer(event, 422, confirm_error=htmx.CONFIRM_REQUIRED)
    return _judge_action(slug, judge_services.declare_conflict)


def _score_form_context(event, submission, project, score, *, values=None, errors=None):
    if values is None:
        values = {}
        if score is not None:
            values = {c.value: str(getattr(score, c.value)) for c in CATEGORIES}
            values["comment"] = score.comment or ""
    return {"event": event, "held": submission, "project": project, "score": score,
            "team": review_queries.team(db.session, project), "values": values,
            "errors": errors or {}, **_common()}


@bp.route("/events/<slug>/scores/<project_slug>", methods=["GET", "POST"])
@login_required
def score_form(slug, project_slug):
    """**Save scores** for the held submission or one already scored."""
    event = _event(slug)
    now = utcnow()
    if request.method == "GET":
        submission, project, score = judge_services.open_form(db.session, event, g.profile,
                                                              project_slug)
        return htmx.page(SCORE_FORM_TEMPLATE, None,
                         **_score_form_context(event, submission, project, score))
    with refusal() as refused:
        _, created = judge_services.save_scores(db.session, event, g.profile, project_slug,
                                                request.form, now=now)
    if refused and refused.invalid:
        values = request.form.to_dict()
        submission, project, score = judge_services.open_form(db.session, event, g.profile,
                                                              project_slug)
        if score is None and htmx.target() != "score-form":
            return _judge_answer(event, 422, values=values, errors=refused.errors)
        ctx = _score_form_context(event, submission, project, score, values=values,
                                  errors=refused.errors)
        return htmx.page(SCORE_FORM_TEMPLATE, {"score-form": "score_form"}, 422, **ctx)
    if refused:
        raise refused.error
    db.session.commit()
    if created and htmx.target() == "judge-panel":
        return _judge_answer(event)
    return htmx.redirect(url_for("queues.judge_page", slug=event.slug))
