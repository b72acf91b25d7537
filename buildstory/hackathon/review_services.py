"""Peer review: the queue actions and the review form (docs/rules.md "Peer review").

Every action checks the window (``rules.review_refusal``) and that the person is a
reviewer, then works in the caller's transaction. A saved review locks its submission's
row first, so concurrent saves by one reviewer make one review; the counters are
recounted exactly under that lock (``counters.recount_submissions``).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from ..enums import QueueKind
from ..errors import Conflict, NotFound
from ..notifications import triggers as notices
from ..projects.models import Project
from ..projects.queries import visible_project
from ..teams.models import ProjectMember
from . import counters, eligibility, queue, rules
from .models import EventSubmission, HackathonReview, HackathonReviewHighlight
from .queue import Owner
from .review_forms import parse_review

REVIEW = QueueKind.review


def require_reviewer(session, event, profile, now) -> None:
    """Refuse (409) when reviews are not open or the person has no submission here."""
    if message := rules.review_refusal(event, now):
        raise Conflict(message)
    if not eligibility.is_reviewer(session, event.id, profile.id):
        raise Conflict(eligibility.NOT_A_REVIEWER)


def next_submission(session, event, profile, *, now) -> uuid.UUID | None:
    """**Review next submission**: a fresh pick replaces what the reviewer held (always the
    lowest count they may review, so it cannot be used to choose a project)."""
    require_reviewer(session, event, profile, now)
    return queue.hand_out(session, REVIEW, event.id, profile.id, now=now)


def skip(session, event, profile, *, now) -> uuid.UUID | None:
    """**Skip**: store the skip of the held submission and hand out the next."""
    require_reviewer(session, event, profile, now)
    held = queue.held_project_id(session, REVIEW, event.id, profile.id)
    if held is not None:
        queue.add_skip(session, REVIEW, event.id, profile.id, held)
    return queue.hand_out(session, REVIEW, event.id, profile.id, now=now)


def declare_conflict(session, event, profile, *, now) -> uuid.UUID | None:
    """**I have a conflict of interest**: the held project is excluded for good (review and
    judging, every event); the next is handed out."""
    require_reviewer(session, event, profile, now)
    held = queue.held_project_id(session, REVIEW, event.id, profile.id)
    if held is not None:
        queue.add_conflict(session, profile.id, held, event.id)
    return queue.hand_out(session, REVIEW, event.id, profile.id, now=now)


def clear_skips(session, event, profile, *, now) -> uuid.UUID | None:
    """**Review skipped submissions**: forget the skips and hand one out."""
    require_reviewer(session, event, profile, now)
    queue.clear_skips(session, REVIEW, event.id, profile.id)
    return queue.hand_out(session, REVIEW, event.id, profile.id, now=now)


def submission_for(session, event_id, project_slug: str, *, lock: bool = False):
    """The visible submission of the project in the event (locked when asked), or 404."""
    stmt = (select(EventSubmission, Project)
            .join(Project, Project.id == EventSubmission.project_id)
            .join(Owner, Owner.id == Project.profile_id)
            .where(EventSubmission.event_id == event_id, Project.slug == project_slug,
                   visible_project(Project, Owner)))
    if lock:
        stmt = stmt.with_for_update(of=EventSubmission)
    row = session.execute(stmt).first()
    if row is None:
        raise NotFound()
    return row[0], row[1]


def own_review(session, event_id, project_id, profile_id) -> HackathonReview | None:
    return session.scalar(select(HackathonReview).where(
        HackathonReview.reviewer_profile_id == profile_id, HackathonReview.event_id == event_id,
        HackathonReview.project_id == project_id))


def review_highlights(session, review_id) -> dict[str, str]:
    rows = session.execute(select(HackathonReviewHighlight.category, HackathonReviewHighlight.text)
                           .where(HackathonReviewHighlight.review_id == review_id))
    return {category.value: text for category, text in rows}


def open_form(session, event, profile, project_slug: str, *, now):
    """What the review form of a project shows: ``(submission, project, review or None)``.
    Refused like a save would be: the window, a reviewer, eligibility, a hidden review,
    and a project that is neither held nor already reviewed."""
    require_reviewer(session, event, profile, now)
    submission, project = submission_for(session, event.id, project_slug)
    eligibility.require_eligible(session, profile.id, project.id)
    review = own_review(session, event.id, project.id, profile.id)
    _require_may_write(session, event, profile, project, review)
    return submission, project, review


def _require_may_write(session, event, profile, project, review) -> None:
    if review is not None:
        if review.hidden_at is not None:
            raise Conflict(eligibility.HIDDEN_REVIEW)
        return
    if queue.held_project_id(session, REVIEW, event.id, profile.id) != project.id:
        raise Conflict(eligibility.REVIEW_GIVEN)


@dataclass(frozen=True)
class ReviewReceived:
    """What the ``review_received`` notification needs: sent to the project's team when a
    review is created (never when edited), linking to ``/projects/<project_slug>/reviews``."""

    review_id: uuid.UUID
    event_id: uuid.UUID
    event_slug: str
    project_id: uuid.UUID
    project_slug: str
    project_name: str
    reviewer_profile_id: uuid.UUID
    recipient_ids: tuple[uuid.UUID, ...] = field(default=())


@dataclass(frozen=True)
class SavedReview:
    review: HackathonReview
    created: bool
    notice: ReviewReceived | None  # set only when the review was created


def review_received(session, review: HackathonReview, event, project) -> ReviewReceived:
    """The ``review_received`` trigger: who to tell (the project's current team: owner and
    members) and what to link, for a review just created."""
    members = session.scalars(select(ProjectMember.profile_id)
                              .where(ProjectMember.project_id == project.id)).all()
    recipients = tuple(dict.fromkeys([project.profile_id, *members]))
    return ReviewReceived(review.id, event.id, event.slug, project.id, project.slug,
                          project.name, review.reviewer_profile_id, recipients)


def save_review(session, event, profile, project_slug: str, values, *, now) -> SavedReview:
    """**Submit review** / **Save review**: one review per (reviewer, event, project) with
    its highlights, written in one transaction; a repeated create updates. A new review
    hands out the next submission."""
    require_reviewer(session, event, profile, now)
    submission, project = submission_for(session, event.id, project_slug, lock=True)
    eligibility.require_eligible(session, profile.id, project.id)
    review = own_review(session, event.id, project.id, profile.id)
    _require_may_write(session, event, profile, project, review)
    feedback, highlights = parse_review(values)
    created = review is None
    if created:
        stmt = insert(HackathonReview).values(
            event_id=event.id, project_id=project.id, reviewer_profile_id=profile.id,
            feedback=feedback, created_at=now, updated_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=["reviewer_profile_id", "event_id", "project_id"],
            set_={"feedback": stmt.excluded.feedback, "updated_at": stmt.excluded.updated_at})
        review_id = session.scalar(stmt.returning(HackathonReview.id))
        review = session.get(HackathonReview, review_id)
    else:
        if review.feedback != feedback:
            review.feedback = feedback
        review.updated_at = now
    session.flush()
    session.execute(delete(HackathonReviewHighlight)
                    .where(HackathonReviewHighlight.review_id == review.id))
    if highlights:
        session.execute(insert(HackathonReviewHighlight), [
            {"review_id": review.id, "category": c, "text": t} for c, t in highlights.items()])
    counters.recount_submissions(session, [submission.id])
    notice = None
    if created:
        queue.hand_out(session, REVIEW, event.id, profile.id, now=now)
        notice = review_received(session, review, event, project)
        notices.review_received(session, review, project, event, now=now)
    return SavedReview(review, created, notice)

