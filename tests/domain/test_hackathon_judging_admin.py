"""The admins' side of judging (add and remove judges, progress), hiding reviews with the
highlight counter kept exact, the team's standing, and deleting an event with results."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from buildstory.audit import AuditLog
from buildstory.enums import EventStatus
from buildstory.errors import Conflict, NotFound, ValidationFailed
from buildstory.events import services as event_services
from buildstory.hackathon import judging, received, results
from buildstory.hackathon.models import EventJudge, EventSubmission, JudgeScore
from tests.factories import (EventFactory, EventProjectFactory, ProfileFactory, ProjectFactory,
                             utcnow)
from tests.hackathon_factories import (EventJudgeFactory, EventSubmissionFactory,
                                       HackathonReviewFactory, JudgeScoreFactory)


def _audit(session, action):
    return session.scalars(select(AuditLog).where(AuditLog.action == action)).all()


def _sub(event, **project_kw):
    return EventSubmissionFactory(entry=EventProjectFactory(event=event,
                                                            project=ProjectFactory(**project_kw)))


def test_add_judge_by_username_audited_and_notified_unless_draft(db_session):
    admin = ProfileFactory(admin=True)
    event = EventFactory(status=EventStatus.active)
    someone = ProfileFactory(username="jury-ada")
    added = judging.add_judge(db_session, admin, event, "  Jury-Ada ")
    assert added.profile_id == someone.id and added.notify_now is True
    assert db_session.get(EventJudge, (event.id, someone.id)).added_by == admin.id
    [row] = _audit(db_session, "add_judge")
    assert row.target_profile_id == someone.id and row.meta == {"event_id": str(event.id)}
    draft = EventFactory(draft=True)
    assert judging.add_judge(db_session, admin, draft, "jury-ada").notify_now is False
    assert judging.judges_to_notify_on_open(db_session, draft) == [someone.id]


def test_add_judge_refusals(db_session):
    admin = ProfileFactory(admin=True)
    event = EventFactory(status=EventStatus.judging)
    ProfileFactory(username="jury-banned", banned=True)
    ProfileFactory(username="jury-twice")
    with pytest.raises(ValidationFailed) as missing:
        judging.add_judge(db_session, admin, event, "nobody-at-all")
    assert missing.value.errors == {"username": "User not found"}
    with pytest.raises(Conflict, match="^Banned users cannot be judges$"):
        judging.add_judge(db_session, admin, event, "jury-banned")
    judging.add_judge(db_session, admin, event, "jury-twice")
    with pytest.raises(Conflict, match="^This user is already a judge for this event$"):
        judging.add_judge(db_session, admin, event, "jury-twice")
    assert len(_audit(db_session, "add_judge")) == 1


def test_remove_judge_deletes_their_scores_and_keeps_the_counter_exact(db_session):
    admin = ProfileFactory(admin=True)
    event = EventFactory(status=EventStatus.judging)
    leaving, staying = EventJudgeFactory(event=event), EventJudgeFactory(event=event)
    subs = [_sub(event) for _ in range(3)]
    for sub in subs:
        JudgeScoreFactory(submission=sub, judge=leaving, bump=True)
    JudgeScoreFactory(submission=subs[0], judge=staying, bump=True)
    assert judging.remove_judge(db_session, admin, event, leaving.profile_id) == 3
    db_session.expire_all()
    counts = [db_session.get(EventSubmission, s.id).judge_score_count for s in subs]
    assert counts == [1, 0, 0]
    recount = [db_session.scalar(select(func.count()).select_from(JudgeScore).where(
        JudgeScore.event_id == event.id, JudgeScore.project_id == s.project_id)) for s in subs]
    assert recount == counts
    [row] = _audit(db_session, "remove_judge")
    assert row.meta == {"event_id": str(event.id), "deleted_scores": 3}
    assert row.target_profile_id == leaving.profile_id
    with pytest.raises(NotFound):
        judging.remove_judge(db_session, admin, event, leaving.profile_id)


def test_progress_counts_assigned_share_and_review_totals(db_session):
    event = EventFactory(status=EventStatus.judging, judges_per_submission=2)
    j1, j2, j3 = (EventJudgeFactory(event=event) for _ in range(3))
    subs = [_sub(event, name=f"Prog {i}") for i in range(4)]
    _sub(event, hidden_at=utcnow())  # not visible: not counted
    JudgeScoreFactory(submission=subs[0], judge=j1, bump=True)
    JudgeScoreFactory(submission=subs[0], judge=j2, bump=True)
    JudgeScoreFactory(submission=subs[1], judge=j1, bump=True)
    r1, r2 = ProfileFactory(), ProfileFactory()
    HackathonReviewFactory(submission=subs[0], reviewer=r1)
    HackathonReviewFactory(submission=subs[1], reviewer=r1)
    HackathonReviewFactory(submission=subs[1], reviewer=r2)
    HackathonReviewFactory(submission=subs[2], hidden_at=utcnow())  # hidden: not a review
    p = judging.progress(db_session, event)
    assert p.submissions == 4 and p.assigned == 3  # ceil(4 * 2 / 3)
    assert sorted(j.done for j in p.judges) == [0, 1, 2]
    assert [r.judge_score_count for r in p.rows] == [0, 0, 1, 2]
    assert (p.reviews, p.reviewers, p.unreviewed) == (3, 2, 2)


# --- hiding reviews ---------------------------------------------------------------------------

def _highlights(session, sub):
    session.expire_all()
    return session.get(EventSubmission, sub.id).highlight_count


def test_hide_and_unhide_review_recount_highlights_and_are_audited(db_session):
    mod = ProfileFactory(moderator=True)
    sub = _sub(EventFactory(status=EventStatus.judging))
    review = HackathonReviewFactory(submission=sub, highlights={"impact": "a", "design": "b"},
                                    bump=True)
    HackathonReviewFactory(submission=sub, highlights={"impact": "c"}, bump=True)
    assert _highlights(db_session, sub) == 3
    received.hide_review(db_session, mod, review.id, now=utcnow())
    assert _highlights(db_session, sub) == 1
    with pytest.raises(Conflict, match="^Review is already hidden$"):
        received.hide_review(db_session, mod, review.id, now=utcnow())
    received.unhide_review(db_session, mod, review.id)
    assert _highlights(db_session, sub) == 3
    with pytest.raises(Conflict, match="^Review is not hidden$"):
        received.unhide_review(db_session, mod, review.id)
    rows = _audit(db_session, "hide_review") + _audit(db_session, "unhide_review")
    assert [r.meta for r in rows] == [{"review_id": str(review.id),
                                       "event_id": str(sub.event_id),
                                       "project_id": str(sub.project_id)}] * 2
    assert {r.target_profile_id for r in rows} == {review.reviewer_profile_id}


def test_team_sees_visible_reviews_moderators_all(db_session):
    sub = _sub(EventFactory(status=EventStatus.judging))
    shown = HackathonReviewFactory(submission=sub, highlights={"creativity": "wow"})
    HackathonReviewFactory(submission=sub, hidden_at=utcnow())
    HackathonReviewFactory(submission=sub, reviewer=ProfileFactory(hidden=True))
    team, _ = received.project_reviews(db_session, sub.project_id, sub.event_id,
                                       include_hidden=False)
    assert [r.id for r in team] == [shown.id]
    assert [(c.value, t) for c, t in team[0].highlights] == [("creativity", "wow")]
    everyone, _ = received.project_reviews(db_session, sub.project_id, sub.event_id,
                                           include_hidden=True)
    assert len(everyone) == 3 and sum(r.visible for r in everyone) == 1
    assert received.received_count(db_session, sub.project_id, include_hidden=False) == 1


def test_standing_once_results_are_published(db_session):
    event = EventFactory(status=EventStatus.judging)
    judge_a, judge_b = EventJudgeFactory(event=event), EventJudgeFactory(event=event)
    mine, other = _sub(event), _sub(event)
    JudgeScoreFactory(submission=mine, judge=judge_a, creativity=4, comment="Great demo")
    JudgeScoreFactory(submission=mine, judge=judge_b, creativity=5, comment="  ")
    JudgeScoreFactory(submission=other, judge=judge_a, creativity=5, business_case=5)
    assert received.standing(db_session, mine.project_id, event.id) is None
    preview = results.compute(db_session, event)
    results.publish(db_session, ProfileFactory(admin=True), event, preview.fingerprint,
                    now=utcnow())
    s = received.standing(db_session, mine.project_id, event.id)
    assert (s.place, s.of) == (2, 2)
    assert str(s.means[0][1]) == "9/2" and s.comments == ["Great demo"]


def test_an_event_with_published_results_cannot_be_deleted(db_session):
    admin = ProfileFactory(admin=True)
    event = EventFactory(status=EventStatus.complete)
    sub = _sub(event)
    JudgeScoreFactory(submission=sub, judge=EventJudgeFactory(event=event))
    results.publish(db_session, admin, event, results.compute(db_session, event).fingerprint,
                    now=utcnow())
    db_session.delete(db_session.get(ProjectFactory._meta.model, sub.project_id))  # entries go
    db_session.flush()
    with pytest.raises(Conflict, match="^Cannot delete an event with entries or draws$"):
        event_services.delete_event(db_session, admin, event)


def test_concurrent_adds_of_one_judge_make_one_row(app, committed):
    from tests.helpers import outcomes, run_concurrently, setup
    from buildstory.events.models import Event
    from buildstory.profiles.models import Profile

    def make():
        ProfileFactory(username="racing-jury")
        return EventFactory(status=EventStatus.judging).id, ProfileFactory(admin=True).id

    event_id, admin_id = setup(app, make)

    def add(session, i):
        return judging.add_judge(session, session.get(Profile, admin_id),
                                 session.get(Event, event_id), "racing-jury").profile_id

    oks, errors = outcomes(run_concurrently(app, add))
    assert len(oks) == 1
    assert {str(e) for e in errors} == {"This user is already a judge for this event"}
    with app.app_context():
        from buildstory.db import db
        assert db.session.scalar(select(func.count()).select_from(EventJudge)
                                 .where(EventJudge.event_id == event_id)) == 1
        db.session.remove()
