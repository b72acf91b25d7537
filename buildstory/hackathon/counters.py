"""Stored counters kept exact: ``ai_tools.usage_count`` and ``event_submissions.highlight_count``
(plus ``review_count`` and ``judge_score_count`` when rows vanish by cascade).

What they count:

* ``ai_tools.usage_count``: the visible submissions using the tool (a submission is visible
  exactly when its project is: ``projects.queries.visible_project``);
* ``event_submissions.highlight_count``: the highlights of its visible reviews (not hidden,
  by a reviewer who is neither hidden nor banned);
* ``review_count`` every stored review, ``judge_score_count`` every stored score.

Every change that moves them calls one function here **after making the change, in the
same transaction** (the view commits once):

* a submission saved with other tools, or withdrawn: ``recount_tools(session, tool_ids)``
  with the tools it gained and lost (lock the submission row first, see below);
* a project hidden, unhidden or deleted: ``lock_project_submissions`` before the change,
  ``recount_tools(session, tool_ids)`` with what it returned after (moderation, projects);
* a builder hidden, unhidden, banned, unbanned (restored): ``lock_builder`` to lock their
  row (it says whether anything depends on them), ``builder_changed(session, profile_id,
  touched=…)`` after the change; deleted: ``before_builder_deleted`` before and
  ``Pending.apply`` after (moderation);
* a review written, edited, hidden or unhidden: ``recount_highlights(session,
  [submission_id])``; ``recount_submissions`` recounts all three counters of a submission.

Why recounts under locks and not increments: a recount is exact whatever happened before,
and concurrent changes stay exact because each recount runs in its own statement *after*
taking the row locks of what it counts into, in a fixed order (submission rows by id,
then tool rows by id). In READ COMMITTED the statement after the lock sees what the
transaction that held the lock committed, so the last one to count counts everything.
Writers of ``event_submission_tools`` therefore lock the submission's row (``SELECT … FOR
UPDATE`` or the upsert) before changing its tools, and a visibility change locks the
affected submission rows before reading which tools they use.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, exists, func, select, text, update

from ..errors import NotFound
from ..profiles.models import Profile
from ..profiles.queries import visible
from ..projects.models import Project
from ..projects.queries import visible_project
from ..tools.models import AiTool
from .models import (EventSubmission, EventSubmissionTool, HackathonReview,
                     HackathonReviewHighlight, JudgeScore)


def _ids(values: Iterable) -> list[uuid.UUID]:
    return sorted({v for v in values if v is not None})


def _expire(session, model, ids: list, attrs: list[str]) -> None:
    """Forget stale counters of loaded objects (the UPDATE ran in SQL)."""
    wanted = set(ids)
    for key in list(session.identity_map.keys()):  # keys: reading ``obj.id`` could load
        if key[0] is model and key[1][0] in wanted:
            obj = session.identity_map.get(key)
            if obj is not None:
                session.expire(obj, attrs)


def lock_submissions(session, submission_ids: Iterable) -> None:
    """Lock submission rows by id order (the first step of every recount's lock order)."""
    ids = _ids(submission_ids)
    if ids:
        session.execute(select(EventSubmission.id).where(EventSubmission.id.in_(ids))
                        .order_by(EventSubmission.id).with_for_update())


def lock_project_submissions(session, project_ids: Iterable) -> list[uuid.UUID]:
    """Lock the submissions of ``project_ids`` and return the tools they use (call before a
    change of those projects' visibility; pass the result to ``recount_tools`` after)."""
    ids = _ids(project_ids)
    if not ids:
        return []
    subs = session.scalars(select(EventSubmission.id).where(EventSubmission.project_id.in_(ids))
                           .order_by(EventSubmission.id).with_for_update()).all()
    return tools_of_submissions(session, subs)


def tools_of_submissions(session, submission_ids: Iterable) -> list[uuid.UUID]:
    """Return the ids of the tools the given submissions use."""
    ids = _ids(submission_ids)
    if not ids:
        return []
    return list(session.scalars(select(EventSubmissionTool.tool_id).distinct()
                                .where(EventSubmissionTool.submission_id.in_(ids))))


def recount_tools(session, tool_ids: Iterable) -> None:
    """Set ``usage_count`` of the given tools to the number of visible submissions using
    them, under the tools' row locks (taken in id order)."""
    ids = _ids(tool_ids)
    if not ids:
        return
    session.flush()
    session.execute(select(AiTool.id).where(AiTool.id.in_(ids)).order_by(AiTool.id)
                    .with_for_update())
    used = (select(func.count()).select_from(EventSubmissionTool)
            .join(EventSubmission, EventSubmission.id == EventSubmissionTool.submission_id)
            .join(Project, Project.id == EventSubmission.project_id)
            .join(Profile, Profile.id == Project.profile_id)
            .where(EventSubmissionTool.tool_id == AiTool.id, visible_project())
            .correlate(AiTool).scalar_subquery())
    session.execute(update(AiTool).where(AiTool.id.in_(ids)).values(usage_count=used)
                    .execution_options(synchronize_session=False))
    _expire(session, AiTool, ids, ["usage_count"])


def _visible_reviews():
    """The submission's visible reviews (not hidden, reviewer neither hidden nor banned)."""
    return (HackathonReview.event_id == EventSubmission.event_id,
            HackathonReview.project_id == EventSubmission.project_id,
            HackathonReview.hidden_at.is_(None), visible())


def _highlights():
    return (select(func.count()).select_from(HackathonReviewHighlight)
            .join(HackathonReview, HackathonReview.id == HackathonReviewHighlight.review_id)
            .join(Profile, Profile.id == HackathonReview.reviewer_profile_id)
            .where(*_visible_reviews())
            .correlate(EventSubmission).scalar_subquery())


def _shown_counts() -> dict:
    """``visible_review_count`` and ``highlight_counts`` (per category), as SQL values."""
    reviews = (select(func.count()).select_from(HackathonReview)
               .join(Profile, Profile.id == HackathonReview.reviewer_profile_id)
               .where(*_visible_reviews()).correlate(EventSubmission).scalar_subquery())
    per_category = (select(HackathonReviewHighlight.category.label("category"),
                           func.count().label("n"))
                    .join(HackathonReview, HackathonReview.id == HackathonReviewHighlight.review_id)
                    .join(Profile, Profile.id == HackathonReview.reviewer_profile_id)
                    .where(*_visible_reviews()).correlate(EventSubmission)
                    .group_by(HackathonReviewHighlight.category).subquery())
    counts = func.coalesce(
        select(func.jsonb_object_agg(per_category.c.category, per_category.c.n))
        .scalar_subquery(), text("'{}'::jsonb"))
    return {"visible_review_count": reviews, "highlight_counts": counts}


def _recount(session, submission_ids: Iterable, values: dict) -> None:
    ids = _ids(submission_ids)
    if not ids:
        return
    session.flush()
    lock_submissions(session, ids)
    session.execute(update(EventSubmission).where(EventSubmission.id.in_(ids)).values(**values)
                    .execution_options(synchronize_session=False))
    _expire(session, EventSubmission, ids, list(values))


def recount_highlights(session, submission_ids: Iterable) -> None:
    """Set ``highlight_count`` of the given submissions to the highlights of their visible
    reviews (and ``visible_review_count``, ``highlight_counts`` with it), under the
    submissions' row locks."""
    _recount(session, submission_ids, {"highlight_count": _highlights(), **_shown_counts()})


def recount_submissions(session, submission_ids: Iterable) -> None:
    """Recount ``review_count``, ``judge_score_count`` and ``highlight_count`` of the given
    submissions (after reviews or scores vanished by cascade)."""
    reviews = (select(func.count()).select_from(HackathonReview)
               .where(HackathonReview.event_id == EventSubmission.event_id,
                      HackathonReview.project_id == EventSubmission.project_id)
               .correlate(EventSubmission).scalar_subquery())
    scores = (select(func.count()).select_from(JudgeScore)
              .where(JudgeScore.event_id == EventSubmission.event_id,
                     JudgeScore.project_id == EventSubmission.project_id)
              .correlate(EventSubmission).scalar_subquery())
    _recount(session, submission_ids, {"review_count": reviews, "judge_score_count": scores,
                                       "highlight_count": _highlights(), **_shown_counts()})


def _touched_by(session, profile_id) -> tuple[list, list]:
    """(submissions of the builder's projects, submissions they reviewed or scored)."""
    owned = select(EventSubmission.id).join(Project, Project.id == EventSubmission.project_id) \
        .where(Project.profile_id == profile_id)
    reviewed = select(EventSubmission.id).join(HackathonReview, (
        HackathonReview.event_id == EventSubmission.event_id)
        & (HackathonReview.project_id == EventSubmission.project_id)) \
        .where(HackathonReview.reviewer_profile_id == profile_id)
    scored = select(EventSubmission.id).join(JudgeScore, (
        JudgeScore.event_id == EventSubmission.event_id)
        & (JudgeScore.project_id == EventSubmission.project_id)) \
        .where(JudgeScore.judge_profile_id == profile_id)
    return (list(session.scalars(owned)),
            list(session.scalars(reviewed.union(scored))))


@dataclass
class Pending:
    """What a builder's deletion will move, gathered (and locked) before it."""

    tool_ids: list = field(default_factory=list)
    submission_ids: list = field(default_factory=list)

    def apply(self, session) -> None:
        """Recount after the deletion (rows gone by cascade are simply skipped)."""
        recount_submissions(session, self.submission_ids)
        recount_tools(session, self.tool_ids)


def _lock_touched(session, profile_id) -> tuple[list, list]:
    owned, reviewed = _touched_by(session, profile_id)
    lock_submissions(session, owned + reviewed)
    # read the tools after the lock: a save that committed meanwhile is seen
    return tools_of_submissions(session, owned), reviewed


def lock_builder(session, profile: Profile, *, also=None):
    """Re-read ``profile`` under its row lock (like ``locking.lock_row``) and return whether
    any counter depends on them (a submission of their projects, a review or a score), in
    the same one statement; NotFound when the row is gone.

    ``also``: another feature's condition on ``Profile`` (e.g. "has commented"), read in the
    same statement; then ``(touched, also_value)`` is returned, so a moderation action pays
    one statement for every feature's "does anything count this builder?"."""
    owned = exists().where(EventSubmission.project_id == Project.id,
                           Project.profile_id == Profile.id)
    reviewed = exists().where(HackathonReview.reviewer_profile_id == Profile.id)
    scored = exists().where(JudgeScore.judge_profile_id == Profile.id)
    columns = [Profile, (owned | reviewed | scored).label("touched")]
    if also is not None:
        columns.append(also.label("also"))
    row = session.execute(
        select(*columns).where(Profile.id == profile.id).with_for_update(of=Profile),
        execution_options={"populate_existing": True}).first()
    if row is None:
        raise NotFound()
    return bool(row.touched) if also is None else (bool(row.touched), bool(row.also))


def builder_changed(session, profile_id, *, touched: bool = True) -> None:
    """Recount after a builder was hidden, unhidden, banned or unbanned: the tools of their
    projects' submissions and the highlights of the submissions they reviewed. ``touched``
    (from ``lock_builder``) False: nothing depends on them, nothing to do."""
    if not touched:
        return
    tool_ids, reviewed = _lock_touched(session, profile_id)
    recount_highlights(session, reviewed)
    recount_tools(session, tool_ids)


def before_builder_deleted(session, profile_id) -> Pending:
    """Lock what deleting a builder moves and return it; call ``apply`` after the delete."""
    tool_ids, reviewed = _lock_touched(session, profile_id)
    return Pending(tool_ids, reviewed)


def recount_all(session) -> None:
    """Recount every tool and submission (a repair command; tests compare against it),
    including each submission's ``visible`` copy, which triggers keep in step."""
    recount_tools(session, session.scalars(select(AiTool.id)))
    recount_submissions(session, session.scalars(select(EventSubmission.id)))
    shown = (select(visible_project()).select_from(Project)
             .join(Profile, Profile.id == Project.profile_id)
             .where(Project.id == EventSubmission.project_id)
             .correlate(EventSubmission).scalar_subquery())
    session.execute(update(EventSubmission).values(visible=shown)
                    .execution_options(synchronize_session=False))
