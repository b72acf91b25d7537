"""Progress ("Reviewed X of Y", "Scored X of Y") and the stored ``visible`` copy it reads.

The progress statement counts an event's visible submissions from the copy on
``event_submissions`` (kept by database triggers) and takes away what the person may never
take. These tests hold it equal to the queue's own rule (``queue._conditions``, what a pick
may hand out) through every change that moves visibility or eligibility.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from buildstory.counters_cli import hackathon_mismatches
from buildstory.enums import QueueKind
from buildstory.hackathon import queue
from buildstory.hackathon.models import EventSubmission
from tests.factories import ProfileFactory, ProjectFactory, ProjectMemberFactory, utcnow
from tests.hackathon_factories import EventJudgeFactory, HackathonReviewFactory, JudgeScoreFactory
from tests.querycount import count_queries
from tests.review_helpers import judge, judging_event, submit

R, J = QueueKind.review, QueueKind.judge


def allowed(session, kind, event, person, k=None) -> int:
    """What the queue's own rule allows (skips included), counted the slow, joined way."""
    conds = queue._conditions(queue.KINDS[kind], queue._circle(), skips=False)
    stmt = queue._from(select(func.count()).select_from(queue.S)).where(*conds)
    params = {"me": person.id, "e": event.id}
    if kind == J:
        params["k"] = k
    return session.execute(stmt, params).scalar_one()


def visible_flags(session, event):
    return dict(session.execute(select(EventSubmission.project_id, EventSubmission.visible)
                                .where(EventSubmission.event_id == event.id)).all())


def check(session, kind, event, person, k=None):
    session.flush()
    p = queue.progress(session, kind, event.id, person.id, k=k)
    assert p.left == allowed(session, kind, event, person, k), kind
    assert hackathon_mismatches(session) == []
    return p


def test_the_visible_copy_follows_the_project_and_its_owner(db_session):
    event = judging_event()
    sub = submit(event)
    project, owner = sub.project, sub.project.owner
    flag = lambda: visible_flags(db_session, event)[project.id]  # noqa: E731
    db_session.flush()
    assert flag() is True
    for change, expected in ((lambda: setattr(project, "hidden_at", utcnow()), False),
                             (lambda: setattr(project, "hidden_at", None), True),
                             (lambda: setattr(owner, "hidden_at", utcnow()), False),
                             (lambda: setattr(owner, "hidden_at", None), True),
                             (lambda: setattr(owner, "banned_at", utcnow()), False),
                             (lambda: setattr(owner, "banned_at", None), True)):
        change()
        db_session.flush()
        assert flag() is expected
    # a project handed to a banned builder is hidden with them, and back again
    banned = ProfileFactory(banned_at=utcnow())
    project.profile_id = banned.id
    db_session.flush()
    assert flag() is False
    project.profile_id = owner.id
    db_session.flush()
    assert flag() is True
    # a submission of a project that is already hidden starts hidden
    hidden = submit(event, hidden_at=utcnow())
    db_session.flush()
    assert visible_flags(db_session, event)[hidden.project_id] is False
    assert hackathon_mismatches(db_session) == []


def test_counters_verify_reports_a_visible_copy_that_drifted(db_session):
    event = judging_event()
    sub = submit(event)
    db_session.flush()
    db_session.execute(text("ALTER TABLE event_submissions DISABLE TRIGGER USER"))
    db_session.execute(text("UPDATE event_submissions SET visible = false WHERE id = :i"),
                       {"i": sub.id})
    db_session.execute(text("ALTER TABLE event_submissions ENABLE TRIGGER USER"))
    found = hackathon_mismatches(db_session)
    assert len(found) == 1 and "visible" in found[0] and str(sub.id) in found[0]


def test_review_progress_equals_the_queue_rule_through_every_change(db_session):
    event = judging_event()
    mate = ProfileFactory()
    mine = submit(event, members=[mate])
    me = mine.project.owner
    others = [submit(event) for _ in range(6)]
    # a teammate's other team is the circle: never mine to review
    circle_team = submit(event, members=[mate])
    p = check(db_session, R, event, me)
    assert (p.done, p.left, p.total) == (0, 6, 6)
    HackathonReviewFactory(submission=others[0], reviewer=me, bump=True)
    queue.add_conflict(db_session, me.id, others[1].project_id, event.id)
    queue.add_skip(db_session, R, event.id, me.id, others[2].project_id)
    queue.add_skip(db_session, R, event.id, me.id, others[1].project_id)  # conflicted: not left
    p = check(db_session, R, event, me)
    assert (p.done, p.left, p.skipped, p.total) == (1, 4, 1, 5)
    others[3].project.hidden_at = utcnow()
    others[4].project.owner.banned_at = utcnow()
    p = check(db_session, R, event, me)
    assert (p.left, p.total) == (2, 3)
    others[4].project.owner.banned_at = None
    assert check(db_session, R, event, me).left == 3
    # the teammate leaves the other team: it joins the queue; a hidden reviewed one leaves
    # the count of what is left but stays in what was done
    db_session.execute(text("DELETE FROM project_members WHERE project_id = :p AND profile_id = :m"),
                       {"p": circle_team.project_id, "m": mate.id})
    others[0].project.hidden_at = utcnow()
    p = check(db_session, R, event, me)
    assert (p.done, p.left) == (1, 4)
    # a submission in another event never counts
    submit(judging_event())
    assert check(db_session, R, event, me).left == 4


def test_judge_progress_counts_what_is_under_k_scores(db_session):
    event = judging_event()
    j = judge(event)
    subs = [submit(event) for _ in range(4)]
    own = ProjectFactory(owner=j)
    ProjectMemberFactory(project=subs[3].project, profile=ProfileFactory())
    for _ in range(2):  # two other judges scored the first: full at K = 2
        JudgeScoreFactory(submission=subs[0], judge=EventJudgeFactory(event=event), bump=True)
    assert own is not None
    p = check(db_session, J, event, j, k=2)
    assert (p.done, p.left) == (0, 3)
    assert check(db_session, J, event, j, k=3).left == 4
    subs[1].project.hidden_at = utcnow()
    assert check(db_session, J, event, j, k=3).left == 3


@pytest.mark.parametrize("kind", [R, J])
def test_progress_is_one_statement(app, db_session, kind):
    event = judging_event()
    me = submit(event).project.owner if kind == R else judge(event)
    for _ in range(3):
        submit(event)
    db_session.flush()
    with count_queries(app) as log:
        queue.progress(db_session, kind, event.id, me.id, k=3 if kind == J else None)
    assert log.count == 1
