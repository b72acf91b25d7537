"""Reviews a project received, the moderators' list of an event's reviews, and hiding a
review (docs/rules.md "Peer review" and "Results").

The team sees the visible reviews (not hidden, by a visible reviewer); moderators see
every review, badged. Hiding or unhiding a review recounts the submission's
``highlight_count`` (``counters.recount_highlights``) under the submission's row lock, in
the same transaction.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from fractions import Fraction
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from ..audit import record
from ..enums import HighlightCategory, ResultKind
from ..errors import Conflict, NotFound
from ..events.models import Event
from ..profiles.models import Profile
from ..projects.models import Project
from . import counters
from .models import (CRITERIA, EventResult, EventSubmission, HackathonReview,
                     HackathonReviewHighlight, JudgeScore)
from .results import visible_highlights

PAGE_SIZE = 20
EVENT_PAGE_SIZE = 50
ALREADY_HIDDEN = "Review is already hidden"
NOT_HIDDEN = "Review is not hidden"


class ReviewRow(NamedTuple):
    """One review as the pages show it."""

    id: uuid.UUID
    event_id: uuid.UUID
    project_id: uuid.UUID
    feedback: str
    created_at: datetime
    hidden: bool
    reviewer: Profile
    highlights: list  # (HighlightCategory, text) in category order
    project_name: str | None = None
    project_slug: str | None = None

    @property
    def visible(self) -> bool:
        return not self.hidden and self.reviewer.hidden_at is None \
            and self.reviewer.banned_at is None


def _highlights_column():
    """The review's highlights as one JSON array of [category, text] pairs, in the enum's
    (display) order: part of the review's own statement."""
    pair = func.json_build_array(HackathonReviewHighlight.category, HackathonReviewHighlight.text)
    return (select(func.json_agg(aggregate_order_by(pair, HackathonReviewHighlight.category)))
            .where(HackathonReviewHighlight.review_id == HackathonReview.id)
            .scalar_subquery())


def _row(review, reviewer, highlights, name=None, slug=None) -> ReviewRow:
    pairs = [(HighlightCategory(c), t) for c, t in (highlights or [])]
    return ReviewRow(review.id, review.event_id, review.project_id, review.feedback,
                     review.created_at, review.hidden_at is not None, reviewer, pairs,
                     name, slug)


def _reviews_statement(include_hidden: bool):
    stmt = (select(HackathonReview, Profile, _highlights_column())
            .join(Profile, Profile.id == HackathonReview.reviewer_profile_id))
    if not include_hidden:
        stmt = stmt.where(visible_highlights())
    return stmt


class ProjectEvent(NamedTuple):
    id: uuid.UUID
    slug: str
    name: str


def submitted_events(session, project) -> list[ProjectEvent]:
    """The events the project has a submission in, newest submission first."""
    rows = session.execute(
        select(Event.id, Event.slug, Event.name)
        .join(EventSubmission, EventSubmission.event_id == Event.id)
        .where(EventSubmission.project_id == project.id)
        .order_by(EventSubmission.submitted_at.desc(), Event.slug)).all()
    return [ProjectEvent(*r) for r in rows]


def project_reviews(session, project_id, event_id, *, include_hidden: bool, page: int = 1):
    """The reviews of the project in the event, newest first, 20 a page; returns (rows,
    has_next)."""
    stmt = (_reviews_statement(include_hidden)
            .where(HackathonReview.event_id == event_id, HackathonReview.project_id == project_id)
            .order_by(HackathonReview.created_at.desc(), HackathonReview.id.desc())
            .limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE))
    rows = [_row(*r) for r in session.execute(stmt).all()]
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def received_count(session, project_id, *, include_hidden: bool) -> int:
    """How many reviews the viewer sees on the project's reviews page, every event."""
    stmt = (select(func.count()).select_from(HackathonReview)
            .join(Profile, Profile.id == HackathonReview.reviewer_profile_id)
            .where(HackathonReview.project_id == project_id))
    if not include_hidden:
        stmt = stmt.where(visible_highlights())
    return session.scalar(stmt)


def event_reviews(session, event_id, page: int = 1):
    """Every review of the event (moderators), newest first, 50 a page, with its project."""
    stmt = (select(HackathonReview, Profile, _highlights_column(), Project.name, Project.slug)
            .join(Profile, Profile.id == HackathonReview.reviewer_profile_id)
            .join(Project, Project.id == HackathonReview.project_id)
            .where(HackathonReview.event_id == event_id)
            .order_by(HackathonReview.created_at.desc(), HackathonReview.id.desc())
            .limit(EVENT_PAGE_SIZE + 1).offset((page - 1) * EVENT_PAGE_SIZE))
    rows = [_row(*r) for r in session.execute(stmt).all()]
    return rows[:EVENT_PAGE_SIZE], len(rows) > EVENT_PAGE_SIZE


def review_row(session, review_id) -> ReviewRow | None:
    """One review as the lists show it (after hiding or unhiding it)."""
    stmt = (select(HackathonReview, Profile, _highlights_column(), Project.name, Project.slug)
            .join(Profile, Profile.id == HackathonReview.reviewer_profile_id)
            .join(Project, Project.id == HackathonReview.project_id)
            .where(HackathonReview.id == review_id))
    found = session.execute(stmt).first()
    return _row(*found) if found else None


# --- the team's standing once results are published -----------------------------------------

class Standing(NamedTuple):
    """What the team sees once results are published: "Overall: 14th of 120", its mean per
    criterion and the judges' comments, without names."""

    place: int | None
    of: int
    means: list  # (HighlightCategory, Fraction) of the current scores
    comments: list[str]


def standing(session, project_id, event_id) -> Standing | None:
    """The project's standing in the event's latest results, or None before any (two
    statements)."""
    latest = (select(func.max(EventResult.version))
              .where(EventResult.event_id == event_id).scalar_subquery())
    overall = (EventResult.event_id == event_id) & (EventResult.version == latest) \
        & (EventResult.kind == ResultKind.overall)
    found = session.execute(select(
        select(func.count()).where(overall).scalar_subquery(),
        select(EventResult.place).where(overall, EventResult.project_id == project_id)
        .scalar_subquery(),
        latest)).one()
    of, place, version = found
    if version is None:
        return None
    scores = session.execute(
        select(*[getattr(JudgeScore, c.value) for c in CRITERIA], JudgeScore.comment)
        .where(JudgeScore.event_id == event_id, JudgeScore.project_id == project_id)
        .order_by(JudgeScore.created_at, JudgeScore.id)).all()
    means = ([(c, Fraction(sum(s[i] for s in scores), len(scores)))
              for i, c in enumerate(CRITERIA)] if scores else [])
    comments = [s[-1] for s in scores if s[-1] and s[-1].strip()]
    return Standing(place, of, means, comments)


# --- hide and unhide ---------------------------------------------------------------------------

def _locked_review(session, review_id) -> tuple[HackathonReview, object]:
    """Lock the review's submission (its counter, the counters' lock order) and then the
    review; return the review and the submission's id."""
    review = session.get(HackathonReview, review_id)
    if review is None:
        raise NotFound()
    submission_id = session.scalar(select(EventSubmission.id).where(
        EventSubmission.event_id == review.event_id,
        EventSubmission.project_id == review.project_id).with_for_update())
    locked = session.scalars(select(HackathonReview).where(HackathonReview.id == review_id)
                             .with_for_update(),
                             execution_options={"populate_existing": True}).first()
    if locked is None or submission_id is None:
        raise NotFound()
    return locked, submission_id


def _audit(session, actor, action: str, review) -> None:
    reviewer = session.get(Profile, review.reviewer_profile_id)
    record(session, actor, action, reviewer, review_id=review.id, event_id=review.event_id,
           project_id=review.project_id)


def hide_review(session, actor, review_id, *, now: datetime) -> HackathonReview:
    """Hide a review from the team (moderators; audited ``hide_review``); 409 "Review is
    already hidden"."""
    review, submission_id = _locked_review(session, review_id)
    if review.hidden_at is not None:
        raise Conflict(ALREADY_HIDDEN)
    review.hidden_at, review.hidden_by = now, actor.id
    counters.recount_highlights(session, [submission_id])
    _audit(session, actor, "hide_review", review)
    return review


def unhide_review(session, actor, review_id) -> HackathonReview:
    """Show a hidden review again (audited ``unhide_review``); 409 "Review is not hidden"."""
    review, submission_id = _locked_review(session, review_id)
    if review.hidden_at is None:
        raise Conflict(NOT_HIDDEN)
    review.hidden_at = review.hidden_by = None
    counters.recount_highlights(session, [submission_id])
    _audit(session, actor, "unhide_review", review)
    return review
