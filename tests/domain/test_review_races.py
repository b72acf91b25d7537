"""Review and judging races on real concurrent connections."""
from __future__ import annotations

from sqlalchemy import func, select

from buildstory.db import db
from buildstory.enums import QueueKind
from buildstory.hackathon import judge_services, review_services as rs
from buildstory.hackathon.models import (EventSubmission, HackathonReview, JudgeScore,
                                         QueueAssignment)
from buildstory.models import Event, Profile
from tests.factories import ProfileFactory, utcnow
from tests.helpers import run_concurrently
from tests.review_helpers import judge, judging_event, submit


def _world(app, *, reviewers=1, others=3, judges=0):
    with app.app_context():
        event = judging_event()
        people = [submit(event).project.owner for _ in range(reviewers)]
        targets = [submit(event) for _ in range(others)]
        js = [judge(event, ProfileFactory()) for _ in range(judges)]
        ids = (event.id, [p.id for p in people], [(t.project_id, t.project.slug) for t in targets],
               [j.id for j in js])
        db.session.commit()
    return ids


def _counts(app, event_id):
    with app.app_context():
        rows = db.session.execute(select(EventSubmission.project_id, EventSubmission.review_count,
                                         EventSubmission.judge_score_count)
                                  .where(EventSubmission.event_id == event_id)).all()
        reviews = dict(db.session.execute(
            select(HackathonReview.project_id, func.count()).where(
                HackathonReview.event_id == event_id).group_by(HackathonReview.project_id)).all())
        scores = dict(db.session.execute(
            select(JudgeScore.project_id, func.count()).where(
                JudgeScore.event_id == event_id).group_by(JudgeScore.project_id)).all())
        db.session.remove()
    return {p: (rc, jc) for p, rc, jc in rows}, reviews, scores


def test_concurrent_reviews_by_one_reviewer_make_one_review(app, committed):
    event_id, (me,), targets, _ = _world(app)
    with app.app_context():
        event, profile = db.session.get(Event, event_id), db.session.get(Profile, me)
        given = rs.next_submission(db.session, event, profile, now=utcnow())
        db.session.commit()
        db.session.remove()
    slug = next(s for p, s in targets if p == given)

    def review(session, i):
        return rs.save_review(session, session.get(Event, event_id), session.get(Profile, me),
                              slug, {"feedback": f"Take {i}"}, now=utcnow()).created

    results = run_concurrently(app, review, n=8)
    assert all(r[0] == "ok" for r in results), results
    assert [r[1] for r in results].count(True) == 1
    stored, reviews, _ = _counts(app, event_id)
    assert reviews == {given: 1}
    assert all(stored[p][0] == reviews.get(p, 0) for p in stored)


def test_concurrent_next_picks_by_one_reviewer_hold_one(app, committed):
    event_id, (me,), _, _ = _world(app, others=5)

    def pick(session, i):
        return rs.next_submission(session, session.get(Event, event_id),
                                  session.get(Profile, me), now=utcnow())

    results = run_concurrently(app, pick, n=8)
    assert all(r[0] == "ok" for r in results), results
    with app.app_context():
        held = db.session.scalars(select(QueueAssignment).where(
            QueueAssignment.profile_id == me, QueueAssignment.queue == QueueKind.review)).all()
        db.session.remove()
    assert len(held) == 1


def test_concurrent_reviews_and_scores_by_many_keep_counters_exact(app, committed):
    event_id, people, _, judges = _world(app, reviewers=6, others=2, judges=4)
    with app.app_context():
        event = db.session.get(Event, event_id)
        for pid in people:
            rs.next_submission(db.session, event, db.session.get(Profile, pid), now=utcnow())
        for jid in judges:
            judge_services.next_submission(db.session, event, db.session.get(Profile, jid),
                                           now=utcnow())
        db.session.commit()
        slugs = {}
        for pid in people + judges:
            kind = QueueKind.review if pid in people else QueueKind.judge
            row = db.session.scalar(select(QueueAssignment).where(
                QueueAssignment.profile_id == pid, QueueAssignment.queue == kind))
            from buildstory.projects.models import Project
            slugs[pid] = db.session.get(Project, row.project_id).slug
        db.session.remove()
    everyone = people + judges
    scores = {c: "3" for c in ("creativity", "business_case", "technical_challenge", "impact",
                               "design")}

    def act(session, i):
        pid = everyone[i]
        event, profile = session.get(Event, event_id), session.get(Profile, pid)
        if pid in people:
            return rs.save_review(session, event, profile, slugs[pid],
                                  {"feedback": "Nice", "impact": "Wide"}, now=utcnow()).created
        return judge_services.save_scores(session, event, profile, slugs[pid], scores,
                                          now=utcnow())[1]

    results = run_concurrently(app, act, n=len(everyone))
    assert all(r == ("ok", True) for r in results), results
    stored, reviews, scored = _counts(app, event_id)
    assert sum(reviews.values()) == len(people) and sum(scored.values()) == len(judges)
    for project_id, (review_count, judge_count) in stored.items():
        assert review_count == reviews.get(project_id, 0)
        assert judge_count == scored.get(project_id, 0)
