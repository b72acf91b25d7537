"""The review page and the judge page: what each person sees, the forms with and without
htmx, and the statement budget."""
from __future__ import annotations

import re

import pytest

from buildstory.enums import EventStatus
from buildstory.hackathon.models import (ConflictOfInterest, EventSubmission, HackathonReview,
                                         JudgeScore, QueueAssignment, QueueSkip)
from buildstory.projects.models import Project
from tests.factories import EventFactory, ProfileFactory, utcnow
from tests.hackathon_factories import HackathonReviewFactory
from tests.querycount import count_queries
from tests.review_helpers import judge, judging_event, submit

CRITERIA = ("creativity", "business_case", "technical_challenge", "impact", "design")
SCORES = {c: "4" for c in CRITERIA}


def held(db_session, kind, event, who):
    row = db_session.query(QueueAssignment).filter_by(queue=kind, event_id=event.id,
                                                      profile_id=who.id).first()
    return row and row.project_id


@pytest.fixture
def setup(db_session):
    event = judging_event(slug="rv-jam")
    mine = submit(event, slug="rv-mine")
    others = [submit(event, slug=f"rv-other-{i}") for i in range(2)]
    return event, mine.project.owner, others


def text(r):
    return r.get_data(as_text=True)


def test_the_page_explains_to_a_builder_without_a_submission(setup, login):
    event, _, _ = setup
    r = login(ProfileFactory()).get("/events/rv-jam/review")
    assert r.status_code == 200
    assert "You need a submission in this event to review others" in text(r)
    assert "Review next submission" not in text(r)


def test_posts_of_a_builder_without_a_submission_are_refused(setup, login):
    c = login(ProfileFactory())
    for path in ("next", "skip", "skips/clear"):
        r = c.post(f"/events/rv-jam/review/{path}")
        assert r.status_code == 409
        assert "You need a submission in this event to review others" in text(r)


def test_a_get_never_hands_out_and_next_does(setup, login, db_session):
    event, me, others = setup
    c = login(me)
    r = c.get("/events/rv-jam/review")
    assert r.status_code == 200 and "Reviewed 0 of 2" in text(r)
    assert "Review next submission" in text(r)
    assert held(db_session, "review", event, me) is None
    r = c.post("/events/rv-jam/review/next")
    assert r.status_code == 303 and r.headers["Location"].endswith("/events/rv-jam/review")
    given = held(db_session, "review", event, me)
    assert given in {o.project_id for o in others}
    page = text(c.get("/events/rv-jam/review"))
    assert 'id="review-heading"' in page and "Submit review" in page
    assert "Highlights (up to 3)" in page
    # a reload shows the same submission
    c.get("/events/rv-jam/review")
    assert held(db_session, "review", event, me) == given


def _given_slug(db_session, event, me, others):
    given = held(db_session, "review", event, me)
    return next(o.project.slug for o in others if o.project_id == given)


def test_submitting_a_review_with_htmx_swaps_the_panel_and_progress(setup, login, db_session):
    event, me, others = setup
    c = login(me)
    c.post("/events/rv-jam/review/next")
    slug = _given_slug(db_session, event, me, others)
    r = c.post(f"/events/rv-jam/reviews/{slug}", {"feedback": "Nice\nwork", "impact": "Big"},
               htmx=True, headers={"HX-Target": "review-panel"})
    assert r.status_code == 200
    body = text(r)
    assert body.lstrip().startswith('<div id="review-panel"')
    assert re.search(r'id="review-heading"[^>]*data-focus', body)
    assert 'id="review-progress"' in body and 'hx-swap-oob="innerHTML"' in body
    assert "Reviewed 1 of 2" in body
    review = db_session.query(HackathonReview).filter_by(reviewer_profile_id=me.id).one()
    assert review.feedback == "Nice\nwork"
    sub = db_session.query(EventSubmission).filter_by(project_id=review.project_id).one()
    db_session.refresh(sub)
    assert (sub.review_count, sub.highlight_count) == (1, 1)


def test_a_review_without_javascript_answers_303_and_errors_422(setup, login, db_session):
    event, me, others = setup
    c = login(me)
    c.post("/events/rv-jam/review/next")
    slug = _given_slug(db_session, event, me, others)
    r = c.post(f"/events/rv-jam/reviews/{slug}", {"feedback": "", "impact": "Big"})
    assert r.status_code == 422
    assert "Feedback is required" in text(r) and "Big" in text(r)
    assert "<title>Error: " in text(r)
    r = c.post(f"/events/rv-jam/reviews/{slug}",
               {"feedback": "ok", **{c_: "x" for c_ in CRITERIA}}, htmx=True,
               headers={"HX-Target": "review-panel"})
    assert r.status_code == 422 and "Choose at most 3 highlights" in text(r)
    assert text(r).lstrip().startswith('<div id="review-panel"')
    r = c.post(f"/events/rv-jam/reviews/{slug}", {"feedback": "Fine"})
    assert r.status_code == 303


def test_own_reviews_are_listed_with_edit_links_and_edited_on_their_page(setup, login, db_session):
    event, me, others = setup
    c = login(me)
    c.post("/events/rv-jam/review/next")
    slug = _given_slug(db_session, event, me, others)
    c.post(f"/events/rv-jam/reviews/{slug}", {"feedback": "First take", "design": "Clean"})
    page = text(c.get("/events/rv-jam/review"))
    assert "First take" in page and f"/events/rv-jam/reviews/{slug}" in page
    form = c.get(f"/events/rv-jam/reviews/{slug}")
    assert form.status_code == 200 and "Save review" in text(form) and "Clean" in text(form)
    r = c.post(f"/events/rv-jam/reviews/{slug}", {"feedback": ""}, htmx=True,
               headers={"HX-Target": "review-form"})
    assert r.status_code == 422 and text(r).lstrip().startswith('<div id="review-form"')
    r = c.post(f"/events/rv-jam/reviews/{slug}", {"feedback": "Second take"}, htmx=True,
               headers={"HX-Target": "review-form"})
    assert r.status_code == 200 and r.headers["HX-Redirect"].endswith("/events/rv-jam/review")
    assert db_session.query(HackathonReview).filter_by(reviewer_profile_id=me.id).one().feedback \
        == "Second take"


def test_reviewers_never_see_other_peoples_reviews(setup, login, db_session):
    event, me, others = setup
    for o in others:
        HackathonReviewFactory(submission=o, feedback=f"SECRET-{o.project.slug}", bump=True)
    c = login(me)
    c.post("/events/rv-jam/review/next")
    page = text(c.get("/events/rv-jam/review"))
    assert "SECRET-" not in page


def test_skip_and_conflict_without_javascript(setup, login, db_session):
    event, me, others = setup
    c = login(me)
    c.post("/events/rv-jam/review/next")
    first = held(db_session, "review", event, me)
    assert c.post("/events/rv-jam/review/skip").status_code == 303
    assert db_session.query(QueueSkip).filter_by(profile_id=me.id).count() == 1
    second = held(db_session, "review", event, me)
    assert second != first
    r = c.post("/events/rv-jam/review/conflict")
    assert r.status_code == 422 and "Tick the box to confirm" in text(r)
    assert "<title>Error: " in text(r)
    assert c.post("/events/rv-jam/review/conflict", {"confirm": "yes"}).status_code == 303
    assert db_session.get(ConflictOfInterest, (me.id, second)) is not None
    page = text(c.get("/events/rv-jam/review"))
    assert "Review skipped submissions" in page
    assert c.post("/events/rv-jam/review/skips/clear").status_code == 303
    assert held(db_session, "review", event, me) == first


def test_reviewing_everything_says_thank_you(db_session, login):
    event = judging_event(slug="rv-small")
    me = submit(event).project.owner
    other = submit(event)
    c = login(me)
    c.post("/events/rv-small/review/next")
    c.post(f"/events/rv-small/reviews/{other.project.slug}", {"feedback": "Done"})
    page = text(c.get("/events/rv-small/review"))
    assert "You have reviewed every submission you can. Thank you!" in page


def test_the_form_of_a_project_not_given_is_refused(setup, login, db_session):
    event, me, others = setup
    c = login(me)
    r = c.get(f"/events/rv-jam/reviews/{others[0].project.slug}")
    assert r.status_code == 409 and "Review the submission you were given" in text(r)
    r = c.get("/events/rv-jam/reviews/rv-mine")
    assert r.status_code == 403 and "You cannot review your own project" in text(r)
    r = c.post("/events/rv-jam/reviews/no-such-project", {"feedback": "x"})
    assert r.status_code == 404


# --- judging --------------------------------------------------------------------------

def test_the_judge_page_is_for_judges_only(setup, login):
    event, me, _ = setup
    r = login(me).get("/events/rv-jam/judge")
    assert r.status_code == 403 and "You are not a judge for this event" in text(r)
    r = login(me).post("/events/rv-jam/judge/next")
    assert r.status_code == 403


def test_a_judge_scores_with_htmx_and_without(setup, login, db_session):
    event, me, others = setup
    j = judge(event)
    c = login(j)
    page = text(c.get("/events/rv-jam/judge"))
    assert "Scored 0 of 3" in page and "Judge next submission" in page
    r = c.post("/events/rv-jam/judge/next", htmx=True, headers={"HX-Target": "judge-panel"})
    assert r.status_code == 200 and 'id="judge-heading"' in text(r)
    given = held(db_session, "judge", event, j)
    slug = db_session.get(Project, given).slug
    page = text(c.get("/events/rv-jam/judge"))
    for label in ("Creativity", "Business case", "Technical challenge", "Impact", "Design"):
        assert f"<legend>{label}</legend>" in page
    assert "Save scores" in page and "I have a conflict of interest" in page
    assert "review_count" not in page and "reviews" not in page.split("<main", 1)[-1].lower()
    r = c.post(f"/events/rv-jam/scores/{slug}", {**SCORES, "design": ""}, htmx=True,
               headers={"HX-Target": "judge-panel"})
    assert r.status_code == 422 and "Design is required" in text(r)
    r = c.post(f"/events/rv-jam/scores/{slug}", {**SCORES, "impact": "9"})
    assert r.status_code == 422 and "Scores must be whole numbers from 1 to 5" in text(r)
    r = c.post(f"/events/rv-jam/scores/{slug}", {**SCORES, "comment": "Good"}, htmx=True,
               headers={"HX-Target": "judge-panel"})
    assert r.status_code == 200 and "Scored 1 of 3" in text(r)
    score = db_session.query(JudgeScore).filter_by(judge_profile_id=j.id).one()
    assert score.comment == "Good"
    page = text(c.get("/events/rv-jam/judge"))
    assert f"/events/rv-jam/scores/{slug}" in page  # Edit
    r = c.post(f"/events/rv-jam/scores/{slug}", {**SCORES, "impact": "1"})
    assert r.status_code == 303
    db_session.refresh(score)
    assert score.impact == 1


def test_the_judge_page_outside_judging_says_so(db_session, login):
    event = EventFactory(status=EventStatus.complete, slug="rv-done")
    j = judge(event)
    r = login(j).get("/events/rv-done/judge")
    assert r.status_code == 200 and "Judging is not open for this event" in text(r)
    assert login(j).post("/events/rv-done/judge/next").status_code == 409


def test_review_and_judge_pages_run_the_same_statements_at_two_sizes(db_session, login, app):
    event = judging_event(slug="rv-count")
    me = submit(event).project.owner
    j = judge(event)
    reviewer, judge_client = login(me), login(j)

    def grow(n):
        for _ in range(n):
            s = submit(event)
            HackathonReviewFactory(submission=s, bump=True, highlights={"impact": "x"})

    def measure():
        out = {}
        for name, c, path in (("review", reviewer, "/events/rv-count/review"),
                              ("judge", judge_client, "/events/rv-count/judge")):
            c.get(path)
            with count_queries(app) as q:
                r = c.get(path)
            assert r.status_code == 200
            out[name] = q.count
        return out

    grow(2)
    reviewer.post("/events/rv-count/review/next")
    judge_client.post("/events/rv-count/judge/next")
    small = measure()
    grow(20)
    large = measure()
    assert small == large
    assert max(small.values()) <= 8, small
    print('statements', small)


def test_a_held_submission_that_became_ineligible_is_not_shown(setup, login, db_session):
    event, me, others = setup
    c = login(me)
    c.post("/events/rv-jam/review/next")
    given = held(db_session, "review", event, me)
    project = db_session.get(Project, given)
    project.hidden_at = utcnow()
    db_session.flush()
    page = text(c.get("/events/rv-jam/review"))
    assert project.name not in page
    assert "The submission you were given can no longer be reviewed." in page
    assert "Review next submission" in page and "Submit review" not in page


def test_the_review_page_outside_the_window_says_so_and_posts_are_refused(db_session, login):
    event = EventFactory(status=EventStatus.complete, slug="rv-closed")
    me = submit(event).project.owner
    submit(event)
    c = login(me)
    r = c.get("/events/rv-closed/review")
    assert r.status_code == 200 and "Reviews are closed for this event" in text(r)
    r = c.post("/events/rv-closed/review/next")
    assert r.status_code == 409 and "Reviews are closed for this event" in text(r)
