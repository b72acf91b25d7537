"""The two hand-out queues, peer review and judging (docs/rules.md "Peer review", "Judging").

A reviewer (or judge) holds at most one submission per event (``queue_assignments``).
Reading a page never picks; "next", a saved new review or score, "skip" and a declared
conflict pick in their own transaction, so a reload shows the same submission and nobody
chooses whom to review.

The pick is one statement: the visible submissions of the event the person may review
(not their own work, no one of their **circle** on the team, not declared a conflict, not
done, not skipped), fewest reviews (scores) first, ties broken by ``queue_key`` from a
random start drawn for each pick. The circle is the person and everyone now on a team the
person is on (owner or member), gathered through the ``profile_id`` indexes.
"""
from __future__ import annotations

import functools
import random
import uuid
from dataclasses import dataclass

from sqlalchemy import (Double, Integer, Uuid, and_, bindparam, delete, exists, func, select,
                        text, union, union_all)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import aliased

from ..enums import QueueKind
from ..profiles.models import Profile
from ..projects.models import Project
from ..projects.queries import visible_project
from ..teams.models import ProjectMember
from .models import (ConflictOfInterest, EventSubmission, HackathonReview, JudgeScore,
                     QueueAssignment, QueueSkip)

S = EventSubmission
Owner = aliased(Profile, name="owner")


@dataclass(frozen=True)
class Kind:
    """What differs between the two queues: the counter that orders them and the table of
    what a person already did."""

    queue: QueueKind
    count: object          # the counter column on event_submissions
    done_model: type       # HackathonReview or JudgeScore
    done_person: object    # its column naming the reviewer (judge)


KINDS = {
    QueueKind.review: Kind(QueueKind.review, S.review_count, HackathonReview,
                           HackathonReview.reviewer_profile_id),
    QueueKind.judge: Kind(QueueKind.judge, S.judge_score_count, JudgeScore,
                          JudgeScore.judge_profile_id),
}


def _params():
    return (bindparam("me", type_=Uuid), bindparam("e", type_=Uuid))


def _circle():
    """CTE of profile ids: the person and everyone now on any team the person is on."""
    me, _ = _params()
    mine = union(select(Project.id.label("project_id")).where(Project.profile_id == me),
                 select(ProjectMember.project_id.label("project_id"))
                 .where(ProjectMember.profile_id == me)).cte("my_projects")
    return union(
        select(me.label("profile_id")),
        select(Project.profile_id.label("profile_id"))
        .where(Project.id.in_(select(mine.c.project_id))),
        select(ProjectMember.profile_id.label("profile_id"))
        .where(ProjectMember.project_id.in_(select(mine.c.project_id))),
    ).cte("circle")


def _conditions(kind: Kind, circle, *, skips: bool):
    """The WHERE of "what this person may still review (judge)", over S, Project, Owner."""
    me, e = _params()
    done = kind.done_model
    member = aliased(ProjectMember, name="pm")
    conds = [
        S.event_id == e,
        visible_project(Project, Owner),
        ~exists().where(kind.done_person == me, done.event_id == e,
                        done.project_id == S.project_id),
        ~exists().where(ConflictOfInterest.profile_id == me,
                        ConflictOfInterest.project_id == S.project_id),
        ~exists().where(circle.c.profile_id == Project.profile_id),
        ~exists().where(member.project_id == S.project_id,
                        member.profile_id == circle.c.profile_id),
    ]
    if kind.queue == QueueKind.judge:
        conds.append(S.judge_score_count < bindparam("k", type_=Integer))
    if skips:
        conds.append(~exists().where(QueueSkip.queue == kind.queue, QueueSkip.profile_id == me,
                                     QueueSkip.event_id == e,
                                     QueueSkip.project_id == S.project_id))
    return conds


def _from(stmt):
    return (stmt.join(Project, Project.id == S.project_id)
            .join(Owner, Owner.id == Project.profile_id))


@functools.cache
def pick_statement(queue: QueueKind):
    """The pick: one statement, fewest first, then the random key from ``:r`` on.

    ``ORDER BY count, queue_key < :r, queue_key`` cannot be read from the index
    ``(event_id, count, queue_key)`` directly (the middle term is not in it), and the
    lowest-count group is about half the event when reviews are balanced. So two
    candidates are read in index order, each stopping at its first eligible row: the first
    of all (its count is the lowest), and the first at that count with ``queue_key >= :r``
    (a seek to ``(event, count, :r)``). Ordering the two by the full key gives exactly the
    row the full ordering would: the lowest count, and within it the first key from ``:r``
    on, wrapping round to the smallest key when none is left.
    """
    kind = KINDS[queue]
    circle = _circle()
    r = bindparam("r", type_=Double)
    base = _from(select(S.project_id, kind.count.label("n"), S.queue_key.label("key"))
                 ).where(*_conditions(kind, circle, skips=True))
    first = base.order_by(kind.count, S.queue_key).limit(1).cte("first_eligible")
    from_r = (base.where(kind.count == select(first.c.n).scalar_subquery(), S.queue_key >= r)
              .order_by(S.queue_key).limit(1))
    both = union_all(from_r, select(first.c.project_id, first.c.n, first.c.key)
                     ).subquery("candidates")
    return (select(both.c.project_id)
            .order_by(both.c.n, both.c.key < r, both.c.key).limit(1))


def pick(session, queue: QueueKind, event_id, profile_id, *, k: int | None = None,
         r: float | None = None) -> uuid.UUID | None:
    """Return the project id of the next submission for the person, or None."""
    params = {"me": profile_id, "e": event_id, "r": random.random() if r is None else r}
    if queue == QueueKind.judge:
        params["k"] = k
    # Planning this statement costs ten times running it, and its plan does not depend on
    # the values (always the queue index in order, probing the others): once psycopg has
    # prepared it on a connection, reuse the generic plan instead of planning every pick.
    session.execute(_GENERIC_PLANS)
    project_id = session.scalar(pick_statement(queue), params)
    session.execute(_DEFAULT_PLANS)
    return project_id


_GENERIC_PLANS = text("SET LOCAL plan_cache_mode = force_generic_plan")
_DEFAULT_PLANS = text("SET LOCAL plan_cache_mode TO DEFAULT")


def hand_out(session, queue: QueueKind, event_id, profile_id, *, k: int | None = None,
             now=None) -> uuid.UUID | None:
    """Pick the next submission and make it the one the person holds (or hold none)."""
    project_id = pick(session, queue, event_id, profile_id, k=k)
    if project_id is None:
        session.execute(delete(QueueAssignment).where(
            QueueAssignment.queue == queue, QueueAssignment.profile_id == profile_id,
            QueueAssignment.event_id == event_id))
        return None
    values = {"queue": queue, "profile_id": profile_id, "event_id": event_id,
              "project_id": project_id}
    stmt = insert(QueueAssignment).values(**values, assigned_at=now or func.now())
    session.execute(stmt.on_conflict_do_update(
        index_elements=["queue", "profile_id", "event_id"],
        set_={"project_id": stmt.excluded.project_id, "assigned_at": stmt.excluded.assigned_at}))
    return project_id


def held_project_id(session, queue: QueueKind, event_id, profile_id) -> uuid.UUID | None:
    """The project id of the submission the person holds, eligible or not."""
    return session.scalar(select(QueueAssignment.project_id).where(
        QueueAssignment.queue == queue, QueueAssignment.profile_id == profile_id,
        QueueAssignment.event_id == event_id))


@functools.cache
def _held_statement(queue: QueueKind):
    """The held submission with its project and owner, and whether it is still eligible
    (skips aside: a held submission is never a skipped one)."""
    kind = KINDS[queue]
    circle = _circle()
    me, e = _params()
    eligible = and_(*_conditions(kind, circle, skips=False))
    stmt = (select(S, Project, eligible.label("eligible"))
            .select_from(QueueAssignment)
            .join(S, and_(S.event_id == QueueAssignment.event_id,
                          S.project_id == QueueAssignment.project_id))
            .join(Project, Project.id == S.project_id)
            .join(Owner, Owner.id == Project.profile_id)
            .where(QueueAssignment.queue == queue, QueueAssignment.profile_id == me,
                   QueueAssignment.event_id == e))
    return stmt


def held(session, queue: QueueKind, event_id, profile_id, *, k: int | None = None):
    """Return ``(submission, project, eligible)`` for the held submission, or None."""
    params = {"me": profile_id, "e": event_id}
    if queue == QueueKind.judge:
        # a held submission stays the judge's even when it reached K scores meanwhile
        params["k"] = 2 ** 31 - 1
    row = session.execute(_held_statement(queue), params).first()
    return None if row is None else (row[0], row[1], bool(row[2]))


@functools.cache
def _progress_statement(queue: QueueKind):
    """Done, left and skipped in one statement that stays cheap as events grow.

    "Left" is the event's visible submissions (``event_submissions.visible``, kept by
    triggers, read from one partial index) minus those the person may never take: done,
    declared conflicts, and the teams of their circle. That excluded set is bounded by the
    person's own work and teams, so nothing here joins every submission to its project and
    owner (docs/rules.md "Peer review"). The result equals what ``_conditions`` allows.
    """
    kind = KINDS[queue]
    circle = _circle()
    me, e = _params()
    done = kind.done_model
    done_count = (select(func.count()).select_from(done)
                  .where(kind.done_person == me, done.event_id == e).scalar_subquery())
    circle_ids = select(circle.c.profile_id)
    member = aliased(ProjectMember, name="pm")
    owned = aliased(Project, name="circle_owned")
    excluded = union(
        select(done.project_id.label("project_id")).where(kind.done_person == me,
                                                          done.event_id == e),
        select(ConflictOfInterest.project_id).where(ConflictOfInterest.profile_id == me),
        select(owned.id).where(owned.profile_id.in_(circle_ids)),
        select(member.project_id).where(member.profile_id.in_(circle_ids)),
    ).cte("excluded")
    open_ = [S.event_id == e, S.visible, ~exists().where(excluded.c.project_id == S.project_id)]
    if kind.queue == QueueKind.judge:
        open_.append(S.judge_score_count < bindparam("k", type_=Integer))
    left = select(func.count()).select_from(S).where(*open_).scalar_subquery()
    skipped = (select(func.count()).select_from(QueueSkip)
               .join(S, and_(S.event_id == QueueSkip.event_id,
                             S.project_id == QueueSkip.project_id))
               .where(QueueSkip.queue == kind.queue, QueueSkip.profile_id == me,
                      QueueSkip.event_id == e, *open_).scalar_subquery())
    return select(done_count.label("done"), left.label("left"), skipped.label("skipped"))


@dataclass(frozen=True)
class Progress:
    """"Reviewed X of Y": X done, Y = X + what they may still review (skipped included)."""

    done: int
    left: int
    skipped: int

    @property
    def total(self) -> int:
        return self.done + self.left

    @property
    def finished(self) -> bool:
        return self.left == 0


def progress(session, queue: QueueKind, event_id, profile_id, *, k: int | None = None) -> Progress:
    params = {"me": profile_id, "e": event_id}
    if queue == QueueKind.judge:
        params["k"] = k
    done, left, skipped = session.execute(_progress_statement(queue), params).one()
    return Progress(done, left, skipped)


def add_skip(session, queue: QueueKind, event_id, profile_id, project_id) -> None:
    stmt = insert(QueueSkip).values(queue=queue, profile_id=profile_id, event_id=event_id,
                                    project_id=project_id)
    session.execute(stmt.on_conflict_do_nothing())


def clear_skips(session, queue: QueueKind, event_id, profile_id) -> int:
    result = session.execute(delete(QueueSkip).where(
        QueueSkip.queue == queue, QueueSkip.profile_id == profile_id,
        QueueSkip.event_id == event_id))
    return result.rowcount


def add_conflict(session, profile_id, project_id, event_id) -> None:
    stmt = insert(ConflictOfInterest).values(profile_id=profile_id, project_id=project_id,
                                             event_id=event_id)
    session.execute(stmt.on_conflict_do_nothing())


def release(session, queue: QueueKind, event_id, profile_id) -> None:
    session.execute(delete(QueueAssignment).where(
        QueueAssignment.queue == queue, QueueAssignment.profile_id == profile_id,
        QueueAssignment.event_id == event_id))

