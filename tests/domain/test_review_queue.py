"""The hand-out queues and the review / score services on a real database."""
from __future__ import annotations

from datetime import timedelta

import pytest

from buildstory.enums import EventStatus, QueueKind
from buildstory.errors import Conflict, Forbidden, ValidationFailed
from buildstory.hackathon import eligibility, judge_services, queue
from buildstory.hackathon import review_services as rs
from buildstory.hackathon.models import (ConflictOfInterest, EventSubmission, HackathonReview,
                                         HackathonReviewHighlight, JudgeScore, QueueAssignment,
                                         QueueSkip)
from tests.factories import EventFactory, ProfileFactory, ProjectMemberFactory, utcnow
from tests.hackathon_factories import HackathonReviewFactory
from tests.review_helpers import judge, judging_event, submit

R = QueueKind.review
J = QueueKind.judge
GOOD = {"feedback": "Lovely demo.\nThe README needs work.", "creativity": "Fresh idea"}


def held(session, kind, event, who):
    return queue.held_project_id(session, kind, event.id, who.id)


def counts(session, submission):
    session.refresh(submission)
    return submission.review_count, submission.highlight_count, submission.judge_score_count


def test_nothing_is_held_until_asked_and_next_hands_out_the_fewest_reviewed(db_session):
    event = judging_event()
    mine = submit(event)
    me = mine.project.owner
    busy, quiet = submit(event), submit(event)
    busy.review_count = 3
    db_session.flush()
    assert held(db_session, R, event, me) is None
    got = rs.next_submission(db_session, event, me, now=utcnow())
    assert got == quiet.project_id
    assert held(db_session, R, event, me) == quiet.project_id


def test_the_circle_excludes_every_team_a_teammate_is_on_anywhere(db_session):
    event = judging_event()
    me, mate = ProfileFactory(), ProfileFactory()
    submit(event, owner=me, members=[mate])
    # mate's other project (not in this event's team of mine) still counts as the circle
    other_event = EventFactory(status=EventStatus.judging)
    theirs = submit(event, owner=mate)          # a teammate owns it
    with_mate = submit(event, members=[mate])   # a teammate is a member of it
    free = submit(event)
    submit(other_event)
    seen = set()
    for _ in range(4):
        got = rs.next_submission(db_session, event, me, now=utcnow())
        seen.add(got)
    assert seen == {free.project_id}
    assert eligibility.refusal(db_session, me.id, theirs.project_id) == eligibility.CONFLICT
    assert eligibility.refusal(db_session, me.id, with_mate.project_id) == eligibility.CONFLICT


def test_own_and_member_projects_are_refused_with_their_messages(db_session):
    event = judging_event()
    me = ProfileFactory()
    owned = submit(event, owner=me)
    joined = submit(event, members=[me])
    assert eligibility.refusal(db_session, me.id, owned.project_id) == eligibility.OWN_PROJECT
    assert eligibility.refusal(db_session, me.id, joined.project_id) == eligibility.MEMBER_PROJECT
    with pytest.raises(Forbidden, match="You cannot review your own project"):
        rs.save_review(db_session, event, me, owned.project.slug, GOOD, now=utcnow())
    with pytest.raises(Forbidden, match="You cannot review a project you are a member of"):
        rs.save_review(db_session, event, me, joined.project.slug, GOOD, now=utcnow())


def test_a_builder_without_a_visible_submission_is_not_a_reviewer(db_session):
    event = judging_event()
    submit(event)
    hidden_team = submit(event, hidden=True)
    outsider = ProfileFactory()
    for who in (outsider, hidden_team.project.owner):
        with pytest.raises(Conflict, match=eligibility.NOT_A_REVIEWER):
            rs.next_submission(db_session, event, who, now=utcnow())


def test_a_member_who_did_not_submit_reviews_too(db_session):
    event = judging_event()
    member = ProfileFactory()
    submit(event, members=[member])
    other = submit(event)
    assert rs.next_submission(db_session, event, member, now=utcnow()) == other.project_id


@pytest.mark.parametrize("status,message", [(EventStatus.active, "Reviews have not opened yet"),
                                            (EventStatus.complete, "Reviews are closed for this event")])
def test_actions_are_refused_outside_the_review_window(db_session, status, message):
    event = EventFactory(status=status)
    mine = submit(event)
    submit(event)
    with pytest.raises(Conflict, match=message):
        rs.next_submission(db_session, event, mine.project.owner, now=utcnow())


def test_review_closes_at_binds(db_session):
    event = judging_event(review_closes_at=utcnow() - timedelta(minutes=1))
    mine = submit(event)
    with pytest.raises(Conflict, match="Reviews are closed for this event"):
        rs.next_submission(db_session, event, mine.project.owner, now=utcnow())


def test_skips_are_stored_and_come_back_only_when_cleared(db_session):
    event = judging_event()
    me = submit(event).project.owner
    a, b = submit(event), submit(event)
    first = rs.next_submission(db_session, event, me, now=utcnow())
    second = rs.skip(db_session, event, me, now=utcnow())
    assert {first, second} == {a.project_id, b.project_id}
    assert rs.skip(db_session, event, me, now=utcnow()) is None
    assert db_session.query(QueueSkip).filter_by(profile_id=me.id).count() == 2
    p = queue.progress(db_session, R, event.id, me.id)
    assert (p.done, p.total, p.skipped) == (0, 2, 2)
    assert rs.clear_skips(db_session, event, me, now=utcnow()) in {a.project_id, b.project_id}
    assert db_session.query(QueueSkip).filter_by(profile_id=me.id).count() == 0


def test_a_declared_conflict_is_excluded_for_good_in_both_queues_and_every_event(db_session):
    event = judging_event()
    me = submit(event).project.owner
    target = submit(event)
    rs.next_submission(db_session, event, me, now=utcnow())
    assert rs.declare_conflict(db_session, event, me, now=utcnow()) is None
    row = db_session.get(ConflictOfInterest, (me.id, target.project_id))
    assert row.event_id == event.id
    later = judging_event()
    submit(later, owner=me)
    entry_again = submit(later)
    # the same project in another event is still a conflict
    assert eligibility.refusal(db_session, me.id, target.project_id) == eligibility.CONFLICT
    judge(event, me)
    assert judge_services.next_submission(db_session, event, me, now=utcnow()) is None
    assert rs.next_submission(db_session, later, me, now=utcnow()) == entry_again.project_id


def test_a_held_submission_that_became_ineligible_is_flagged(db_session):
    event = judging_event()
    me = submit(event).project.owner
    target = submit(event)
    rs.next_submission(db_session, event, me, now=utcnow())
    assert queue.held(db_session, R, event.id, me.id)[2] is True
    ProjectMemberFactory(project=target.project, profile=me)
    assert queue.held(db_session, R, event.id, me.id)[2] is False
    with pytest.raises(Forbidden):
        rs.save_review(db_session, event, me, target.project.slug, GOOD, now=utcnow())


def test_saving_a_new_review_counts_it_and_hands_out_the_next(db_session):
    event = judging_event()
    me = submit(event).project.owner
    a, b = submit(event), submit(event)
    first = rs.next_submission(db_session, event, me, now=utcnow())
    sub = a if first == a.project_id else b
    saved = rs.save_review(db_session, event, me, sub.project.slug,
                           {**GOOD, "impact": "Real users", "design": "  "}, now=utcnow())
    assert saved.created and saved.review.feedback == GOOD["feedback"]
    assert counts(db_session, sub)[:2] == (1, 2)
    assert held(db_session, R, event, me) == ({a.project_id, b.project_id} - {first}).pop()
    assert saved.notice.project_slug == sub.project.slug
    assert saved.notice.recipient_ids == (sub.project.owner.id,)
    # an edit keeps one review, moves the highlight count, hands out nothing, notifies nobody
    holding = held(db_session, R, event, me)
    again = rs.save_review(db_session, event, me, sub.project.slug,
                           {"feedback": "Edited", "design": "Tidy"}, now=utcnow())
    assert not again.created and again.notice is None
    assert counts(db_session, sub)[:2] == (1, 1)
    assert held(db_session, R, event, me) == holding
    assert db_session.query(HackathonReview).filter_by(reviewer_profile_id=me.id).count() == 1
    # the team heard of the new review once; the edit notified nobody
    from buildstory.notifications.models import Notification
    told = db_session.query(Notification).filter_by(type="review_received").all()
    assert [n.recipient_id for n in told] == [sub.project.owner.id]


def test_a_review_of_what_was_not_given_is_refused(db_session):
    event = judging_event()
    me = submit(event).project.owner
    a, b = submit(event), submit(event)
    given = rs.next_submission(db_session, event, me, now=utcnow())
    not_given = b if given == a.project_id else a
    with pytest.raises(Conflict, match="Review the submission you were given"):
        rs.save_review(db_session, event, me, not_given.project.slug, GOOD, now=utcnow())
    with pytest.raises(Conflict, match="Review the submission you were given"):
        rs.open_form(db_session, event, me, not_given.project.slug, now=utcnow())


def test_a_hidden_review_cannot_be_edited(db_session):
    event = judging_event()
    me = submit(event).project.owner
    target = submit(event)
    review = HackathonReviewFactory(submission=target, reviewer=me, bump=True)
    review.hidden_at = utcnow()
    db_session.flush()
    with pytest.raises(Conflict, match="This review was hidden by a moderator"):
        rs.save_review(db_session, event, me, target.project.slug, GOOD, now=utcnow())


@pytest.mark.parametrize("values,field,message", [
    ({"feedback": "  "}, "feedback", "Feedback is required"),
    ({"feedback": "x" * 513}, "feedback", "Feedback must be at most 512 characters"),
    ({"feedback": "ok", "impact": "y" * 257}, "impact", "Impact must be at most 256 characters"),
    ({"feedback": "ok", "creativity": "a", "business_case": "b", "impact": "c", "design": "d"},
     "highlights", "Choose at most 3 highlights"),
])
def test_review_form_errors(db_session, values, field, message):
    event = judging_event()
    me = submit(event).project.owner
    target = submit(event)
    rs.next_submission(db_session, event, me, now=utcnow())
    with pytest.raises(ValidationFailed) as caught:
        rs.save_review(db_session, event, me, target.project.slug, values, now=utcnow())
    assert caught.value.errors[field] == message


def test_highlight_count_leaves_out_hidden_reviews_and_hidden_reviewers(db_session):
    event = judging_event()
    target = submit(event)
    HackathonReviewFactory(submission=target, highlights={"impact": "x"}, reviewer__hidden=True)
    hidden = HackathonReviewFactory(submission=target, highlights={"design": "y"})
    hidden.hidden_at = utcnow()
    me = submit(event).project.owner
    rs.next_submission(db_session, event, me, now=utcnow())
    rs.save_review(db_session, event, me, target.project.slug, GOOD, now=utcnow())
    assert counts(db_session, target)[:2] == (3, 1)
    assert db_session.query(HackathonReviewHighlight).count() == 3


# --- judging ---------------------------------------------------------------------------

def test_only_judges_judge_and_only_in_the_judging_status(db_session):
    event = judging_event()
    submit(event)
    with pytest.raises(Forbidden, match="You are not a judge for this event"):
        judge_services.next_submission(db_session, event, ProfileFactory(), now=utcnow())
    done = EventFactory(status=EventStatus.complete)
    j = judge(done)
    with pytest.raises(Conflict, match="Judging is not open for this event"):
        judge_services.next_submission(db_session, done, j, now=utcnow())


def test_the_judge_queue_hands_out_only_submissions_under_k_scores(db_session):
    event = judging_event(judges_per_submission=1)
    full, open_ = submit(event), submit(event)
    full.judge_score_count = 1
    db_session.flush()
    j = judge(event)
    assert judge_services.next_submission(db_session, event, j, now=utcnow()) == open_.project_id
    score, created = judge_services.save_scores(
        db_session, event, j, open_.project.slug,
        {c: "4" for c in ("creativity", "business_case", "technical_challenge", "impact",
                          "design")} | {"comment": "Solid"}, now=utcnow())
    assert created and score.impact == 4 and score.comment == "Solid"
    assert counts(db_session, open_)[2] == 1
    assert held(db_session, J, event, j) is None
    p = queue.progress(db_session, J, event.id, j.id, k=1)
    assert (p.done, p.total, p.finished) == (1, 1, True)


def test_a_judge_cannot_score_what_was_not_given(db_session):
    event = judging_event()
    a = submit(event)
    j = judge(event)
    with pytest.raises(Conflict, match="Score the submission you were given"):
        judge_services.save_scores(db_session, event, j, a.project.slug, {}, now=utcnow())


@pytest.mark.parametrize("values,field,message", [
    ({}, "creativity", "Creativity is required"),
    ({"business_case": "6"}, "business_case", "Scores must be whole numbers from 1 to 5"),
    ({"impact": "2.5"}, "impact", "Scores must be whole numbers from 1 to 5"),
    ({"technical_challenge": "x"}, "technical_challenge", "Scores must be whole numbers from 1 to 5"),
    ({"comment": "c" * 1001}, "comment", "Comment must be at most 1000 characters"),
])
def test_score_form_errors(db_session, values, field, message):
    event = judging_event()
    a = submit(event)
    j = judge(event)
    judge_services.next_submission(db_session, event, j, now=utcnow())
    base = {"creativity": "3", "business_case": "3", "technical_challenge": "3", "impact": "3",
            "design": "3"}
    if field == "creativity":
        base.pop("creativity")
    with pytest.raises(ValidationFailed) as caught:
        judge_services.save_scores(db_session, event, j, a.project.slug, {**base, **values},
                                   now=utcnow())
    assert caught.value.errors[field] == message
    assert db_session.query(JudgeScore).count() == 0


def test_a_judge_on_a_team_is_kept_away_from_the_circle(db_session):
    event = judging_event()
    j = ProfileFactory()
    mine = submit(event, members=[j])
    other = submit(event)
    judge(event, j)
    got = {judge_services.next_submission(db_session, event, j, now=utcnow()) for _ in range(3)}
    assert got == {other.project_id}
    assert mine.project_id not in got
    assert db_session.query(QueueAssignment).filter_by(profile_id=j.id).count() == 1
