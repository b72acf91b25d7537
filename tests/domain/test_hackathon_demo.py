"""The hackathon part of `flask seed-demo`: a complete past hackathon with published
results and a live one in judging, visible on the pages, idempotent."""
import random

from sqlalchemy import func, select

from buildstory.demo import seed_admin, seed_builders, seed_events
from buildstory.events import demo as events_demo
from buildstory.hackathon import demo
from buildstory.hackathon.models import (EventJudge, EventResult, EventSubmission,
                                         HackathonReview, HackathonReviewHighlight, JudgeScore,
                                         SubmissionImage)
from buildstory.models import Event
from buildstory.projects import demo as projects_demo
from buildstory.teams import demo as teams_demo


def seed_all(session):
    from argon2 import PasswordHasher
    rng = random.Random(7)
    seed_builders(session, rng)
    seed_admin(session, PasswordHasher(), "demo-password-1")
    seed_events(session)
    events_demo.seed(session, rng)
    projects_demo.seed(session, rng)
    teams_demo.seed(session, rng)
    return demo.seed(session, rng)


def count(session, model, event, *where):
    return session.scalar(select(func.count()).select_from(model)
                          .where(model.event_id == event.id, *where))


def test_the_demo_holds_a_whole_past_hackathon_and_one_in_judging(db_session, client):
    first = seed_all(db_session)
    assert first["submissions"] >= 14 and first["results"] == 1
    assert seed_all(db_session) == {"submissions": 0, "reviews": 0, "judges": 0, "scores": 0,
                                    "results": 0}
    past = db_session.scalar(select(Event).where(Event.slug == "autumn-shipathon"))
    live = db_session.scalar(select(Event).where(Event.slug == "voice-ai-weekend"))
    assert count(db_session, EventSubmission, past) >= 8
    assert count(db_session, EventSubmission, live) >= 6
    assert count(db_session, EventJudge, past) >= 3
    assert count(db_session, HackathonReview, live) > 0
    assert 0 < count(db_session, JudgeScore, live) < (count(db_session, EventSubmission, live)
                                                     * count(db_session, EventJudge, live))
    assert count(db_session, EventResult, past) > 0 and count(db_session, EventResult, live) == 0
    assert db_session.scalar(select(func.count()).select_from(HackathonReviewHighlight)) > 0
    assert db_session.scalar(select(func.count()).select_from(SubmissionImage)) >= 14
    db_session.commit()
    showcase = client.get("/events/autumn-shipathon/showcase").get_data(as_text=True)
    assert showcase.count('class="card submission-card"') >= 8
    results = client.get("/events/autumn-shipathon/results")
    assert results.status_code == 200
    html = results.get_data(as_text=True)
    assert "<td>1st</td>" in html and "<td>3rd</td>" in html
    sub = db_session.scalars(select(EventSubmission).where(
        EventSubmission.event_id == past.id, EventSubmission.review_count > 0)).first()
    from buildstory.projects.models import Project
    slug = db_session.get(Project, sub.project_id).slug
    page = client.get(f"/events/autumn-shipathon/showcase/{slug}")
    assert page.status_code == 200 and "/submission-images/" in page.get_data(as_text=True)
