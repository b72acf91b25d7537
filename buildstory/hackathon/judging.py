"""The admins' side of judging: assigning and removing judges, and the progress view
(docs/rules.md "Judging").

``add_judge`` is the one place a judge is assigned; it returns a ``JudgeAssigned`` saying
whether the ``judge_assigned`` notification is due now (not in a draft event: those
judges are told when the event opens, see ``judges_to_notify_on_open``). ``remove_judge``
deletes the judge's scores and keeps ``judge_score_count`` exact in the same transaction.
"""
from __future__ import annotations

import math
import uuid
from typing import NamedTuple

from sqlalchemy import and_, delete, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..audit import record
from ..enums import EventStatus, QueueKind
from ..errors import Conflict, NotFound, ValidationFailed
from ..notifications import triggers as notices
from ..profiles.models import Profile
from ..profiles.rules import normalise_username
from ..projects.models import Project
from ..projects.queries import visible_project
from .models import (EventJudge, EventSubmission, HackathonReview, JudgeScore, QueueAssignment,
                     QueueSkip)

USER_NOT_FOUND = "User not found"
USERNAME_REQUIRED = "Username is required"
BANNED_JUDGE = "Banned users cannot be judges"
ALREADY_JUDGE = "This user is already a judge for this event"
PAGE_SIZE = 50


class JudgeAssigned(NamedTuple):
    """What the notifier needs when a judge is added: ``notify_now`` is False in a draft
    event (the judge is told when the event opens, once per (event, judge))."""

    event_id: uuid.UUID
    event_slug: str
    profile_id: uuid.UUID
    notify_now: bool


def add_judge(session, actor, event, username: str | None) -> JudgeAssigned:
    """Make the builder with ``username`` a judge of ``event`` (audited ``add_judge``).

    Any profile but a banned one, no submission needed. 422 "User not found"; 409
    "Banned users cannot be judges", "This user is already a judge for this event" (also
    when a concurrent add wins: the insert does nothing on the primary key).
    """
    name = normalise_username(username)
    if not name:
        raise ValidationFailed({"username": USERNAME_REQUIRED})
    profile = session.scalar(select(Profile).where(Profile.username == name))
    if profile is None:
        raise ValidationFailed({"username": USER_NOT_FOUND})
    if profile.banned_at is not None:
        raise Conflict(BANNED_JUDGE)
    added = session.execute(
        pg_insert(EventJudge).values(event_id=event.id, profile_id=profile.id,
                                     added_by=actor.id)
        .on_conflict_do_nothing(index_elements=["event_id", "profile_id"])
        .returning(EventJudge.profile_id)).first()
    if added is None:
        raise Conflict(ALREADY_JUDGE)
    record(session, actor, "add_judge", profile, event_id=event.id)
    assigned = JudgeAssigned(event.id, event.slug, profile.id,
                             EventStatus(event.status) != EventStatus.draft)
    if assigned.notify_now:
        notices.judge_assigned(session, event, profile.id, actor=actor)
    return assigned


def judges_to_notify_on_open(session, event) -> list[uuid.UUID]:
    """The judges of a draft event, whom ``judge_assigned`` reaches when it opens."""
    return list(session.scalars(select(EventJudge.profile_id)
                                .where(EventJudge.event_id == event.id)).all())


def event_opened(session, event, actor) -> None:
    """An event left draft for open: the judges added while it was a draft hear it now
    (once per (event, judge): the notification's key holds if it goes back and forth)."""
    ids = judges_to_notify_on_open(session, event)
    for start in range(0, len(ids), 50):
        notices.judge_assigned(session, event, ids[start:start + 50], actor=actor)


def remove_judge(session, actor, event, profile_id) -> int:
    """Remove a judge with their scores; returns how many scores were deleted.

    The judge's row is locked first so a concurrent removal waits and then finds nothing
    (404). Each scored submission's ``judge_score_count`` drops by the judge's scores in
    the same transaction; the judge's held submission and skips go too. Audited
    ``remove_judge`` {event_id, deleted_scores}, target the judge.
    """
    judge = session.scalar(select(EventJudge).where(EventJudge.event_id == event.id,
                                                    EventJudge.profile_id == profile_id)
                           .with_for_update())
    if judge is None:
        raise NotFound()
    # Lock the scored submissions in id order before touching their scores, the order
    # every counter writer follows, so concurrent removals and score saves cannot deadlock.
    scored_projects = select(JudgeScore.project_id).where(
        JudgeScore.event_id == event.id, JudgeScore.judge_profile_id == profile_id)
    session.execute(select(EventSubmission.id)
                    .where(EventSubmission.event_id == event.id,
                           EventSubmission.project_id.in_(scored_projects))
                    .order_by(EventSubmission.id).with_for_update())
    scored = session.scalars(
        delete(JudgeScore).where(JudgeScore.event_id == event.id,
                                 JudgeScore.judge_profile_id == profile_id)
        .returning(JudgeScore.project_id)
        .execution_options(synchronize_session=False)).all()
    if scored:
        session.execute(
            update(EventSubmission)
            .where(EventSubmission.event_id == event.id,
                   EventSubmission.project_id.in_(scored))
            .values(judge_score_count=EventSubmission.judge_score_count - 1)
            .execution_options(synchronize_session=False))
    for model in (QueueAssignment, QueueSkip):
        session.execute(delete(model).where(model.queue == QueueKind.judge,
                                            model.event_id == event.id,
                                            model.profile_id == profile_id)
                        .execution_options(synchronize_session=False))
    session.delete(judge)
    session.flush()
    profile = session.get(Profile, profile_id)
    record(session, actor, "remove_judge", profile, event_id=event.id,
           deleted_scores=len(scored))
    return len(scored)


# --- the progress view ------------------------------------------------------------------------

class JudgeRow(NamedTuple):
    profile: Profile
    done: int


class Progress(NamedTuple):
    """The admin judging page's numbers."""

    judges: list[JudgeRow]
    submissions: int  # S: visible submissions
    assigned: int  # ⌈S × K / J⌉, 0 without judges
    rows: list  # (name, slug, judge_score_count) of this page, fewest scores first
    has_next: bool
    reviews: int
    reviewers: int
    unreviewed: int


def _visible_submission(event_id):
    return (select(EventSubmission.project_id)
            .join(Project, Project.id == EventSubmission.project_id)
            .join(Profile, Profile.id == Project.profile_id)
            .where(EventSubmission.event_id == event_id, visible_project()))


def progress(session, event, page: int = 1) -> Progress:
    """Judges with their scores, the share each is assigned, the submissions by fewest
    scores (50 a page) and the peer-review totals: four statements whatever the size."""
    done = (select(func.count()).where(JudgeScore.event_id == event.id,
                                       JudgeScore.judge_profile_id == EventJudge.profile_id)
            .scalar_subquery())
    judges = [JudgeRow(p, n) for p, n in session.execute(
        select(Profile, done).join(EventJudge, EventJudge.profile_id == Profile.id)
        .where(EventJudge.event_id == event.id)
        .order_by(Profile.display_name, Profile.username)).all()]
    shown = _visible_submission(event.id).subquery()
    reviewer = Profile.__table__.alias("reviewer")
    visible_review = and_(HackathonReview.event_id == event.id,
                          HackathonReview.hidden_at.is_(None),
                          HackathonReview.project_id.in_(select(shown.c.project_id)),
                          exists().where(reviewer.c.id == HackathonReview.reviewer_profile_id,
                                         reviewer.c.hidden_at.is_(None),
                                         reviewer.c.banned_at.is_(None)))
    reviewed = select(HackathonReview.project_id).where(visible_review)
    totals = session.execute(select(
        select(func.count()).select_from(shown).scalar_subquery(),
        select(func.count()).where(visible_review).scalar_subquery(),
        select(func.count(HackathonReview.reviewer_profile_id.distinct()))
        .where(visible_review).scalar_subquery(),
        select(func.count()).select_from(shown)
        .where(shown.c.project_id.not_in(reviewed)).scalar_subquery())).one()
    s, reviews, reviewers, unreviewed = totals
    rows = session.execute(
        select(Project.name, Project.slug, EventSubmission.judge_score_count)
        .join(Project, Project.id == EventSubmission.project_id)
        .join(Profile, Profile.id == Project.profile_id)
        .where(EventSubmission.event_id == event.id, visible_project())
        .order_by(EventSubmission.judge_score_count, Project.name, Project.slug)
        .limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    k = event.judges_per_submission
    assigned = math.ceil(s * k / len(judges)) if judges else 0
    return Progress(judges, s, assigned, rows[:PAGE_SIZE], len(rows) > PAGE_SIZE,
                    reviews, reviewers, unreviewed)





def score_rows(session, event_id):
    """Every score of the event for the CSV, by project then judge: streamed by the view
    (``yield_per``), so memory stays flat however many scores there are."""
    judge = Profile.__table__.alias("judge")
    stmt = (select(Project.name, Project.slug, judge.c.username, judge.c.display_name,
                   JudgeScore.creativity, JudgeScore.business_case,
                   JudgeScore.technical_challenge, JudgeScore.impact, JudgeScore.design,
                   JudgeScore.comment, JudgeScore.updated_at)
            .join(Project, Project.id == JudgeScore.project_id)
            .join(judge, judge.c.id == JudgeScore.judge_profile_id)
            .where(JudgeScore.event_id == event_id)
            .order_by(Project.name, Project.slug, judge.c.username, JudgeScore.id)
            .execution_options(yield_per=500))
    return session.execute(stmt)
