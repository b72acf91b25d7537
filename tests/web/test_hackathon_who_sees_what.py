"""Who sees what on the hackathon's pages, actor by actor: anonymous, a registered
builder, the team of a submitted project, a judge, a moderator and an admin — the links
and buttons each one gets on the event page, the project page, the showcase and
submission page, the project's reviews, the review page and the judge page."""
from __future__ import annotations

import re

import pytest

from buildstory.enums import EventStatus
from buildstory.identity.services import utcnow
from buildstory.hackathon import results
from tests.factories import (EventFactory, EventRegistrationFactory, ProfileFactory,
                             ProjectMemberFactory)
from tests.hackathon_factories import (EventJudgeFactory, HackathonReviewFactory,
                                       JudgeScoreFactory)
from tests.review_helpers import submit

ACTORS = ("anonymous", "builder", "team", "judge", "moderator", "admin")
# Event page link text → its path on the event "jam".
EVENT_LINKS = {"See the showcase": "/events/jam/showcase", "Results": "/events/jam/results",
               "Submit your project": "/submissions/jam", "Start reviewing": "/events/jam/review",
               "Judge submissions": "/events/jam/judge",
               "Review list": "/moderation/events/jam/reviews",
               "Judging": "/admin/events/jam/judging",
               "Results admin": "/admin/events/jam/results"}


def event_links(html: str) -> set[str]:
    return {name for name, path in EVENT_LINKS.items()
            if re.search(rf'href="[^"]*{re.escape(path)}"[^>]*>{re.escape(name)}<', html)}


@pytest.fixture
def world(db_session, login, client):
    """The judging event "jam": the team's project "shipbot" and "other" submitted, the
    judge scored both, a visible and a hidden review of shipbot, results published."""
    event = EventFactory(status=EventStatus.judging, slug="jam")
    owner, member = ProfileFactory(), ProfileFactory()
    mine = submit(event, owner=owner, name="Shipbot", slug="shipbot")
    ProjectMemberFactory(project=mine.project, profile=member)
    other = submit(event, name="Other Bot", slug="other-bot")
    people = {"builder": ProfileFactory(), "team": member, "judge": ProfileFactory(),
              "moderator": ProfileFactory(moderator=True), "admin": ProfileFactory(admin=True)}
    for who in ("builder", "team"):
        EventRegistrationFactory(event=event, profile=people[who])
    judge = EventJudgeFactory(event=event, profile=people["judge"])
    for sub in (mine, other):
        JudgeScoreFactory(submission=sub, judge=judge, bump=True, comment="Judge note")
    HackathonReviewFactory(submission=mine, feedback="Visible feedback", bump=True)
    HackathonReviewFactory(submission=mine, feedback="Hidden feedback", hidden_at=utcnow(),
                           bump=True)
    results.publish(db_session, people["admin"], event,
                    results.compute(db_session, event).fingerprint, now=utcnow())
    db_session.flush()
    clients = {"anonymous": client}
    for who, profile in people.items():
        clients[who] = login(profile)
    return clients


def get(clients, actor, path):
    response = clients[actor].get(path)
    return response.status_code, response.get_data(as_text=True)


EXPECTED_EVENT_LINKS = {
    "anonymous": {"See the showcase", "Results"},
    "builder": {"See the showcase", "Results"},  # registered, but submissions are closed
    "team": {"See the showcase", "Results", "Start reviewing"},
    "judge": {"See the showcase", "Results", "Judge submissions"},
    "moderator": {"See the showcase", "Results", "Review list"},
    "admin": {"See the showcase", "Results", "Review list", "Judging", "Results admin"},
}


@pytest.mark.parametrize("actor", ACTORS)
def test_event_page_links_per_actor(world, actor):
    status, html = get(world, actor, "/events/jam")
    assert status == 200
    assert event_links(html) == EXPECTED_EVENT_LINKS[actor]
    assert ("Reviewed 0 of 1" in html) == (actor == "team")


@pytest.mark.parametrize("actor", ACTORS)
def test_project_page_reviews_received_link_for_team_and_moderators(world, actor):
    _, html = get(world, actor, "/projects/shipbot")
    shown = re.search(r'href="/projects/shipbot/reviews[^"]*">Reviews received \((\d+)\)', html)
    assert bool(shown) == (actor in ("team", "moderator", "admin"))


PROJECT_REVIEWS = {"anonymous": 303, "builder": 403, "team": 200, "judge": 403,
                   "moderator": 200, "admin": 200}


@pytest.mark.parametrize("actor", ACTORS)
def test_project_reviews_page_per_actor(world, actor):
    status, html = get(world, actor, "/projects/shipbot/reviews")
    assert status == PROJECT_REVIEWS[actor]
    if status != 200:
        return
    assert "Visible feedback" in html and "Judge note" in html  # judges' comments, published
    sees_hidden = actor in ("moderator", "admin")
    assert ("Hidden feedback" in html) == sees_hidden
    assert ("Unhide review" in html) == sees_hidden


JUDGE_PAGE = {"anonymous": 303, "builder": 403, "team": 403, "judge": 200, "moderator": 403,
              "admin": 403}


@pytest.mark.parametrize("actor", ACTORS)
def test_judge_page_is_for_judges_only(world, actor):
    status, html = get(world, actor, "/events/jam/judge")
    assert status == JUDGE_PAGE[actor]
    if status == 200:
        assert "Scored 2 of 2" in html or "Every submission you can judge" in html


@pytest.mark.parametrize("actor", ACTORS)
def test_review_page_gives_the_queue_to_the_team_and_the_explanation_to_others(world, actor):
    status, html = get(world, actor, "/events/jam/review")
    if actor == "anonymous":
        assert status == 303
        return
    assert status == 200
    assert ("Review next submission" in html) == (actor == "team")


@pytest.mark.parametrize("actor", ACTORS)
def test_showcase_and_submission_page_are_visible_to_everyone(world, actor):
    status, html = get(world, actor, "/events/jam/showcase")
    assert status == 200 and "Shipbot" in html and "Other Bot" in html
    status, html = get(world, actor, "/events/jam/showcase/shipbot")
    assert status == 200 and "Shipbot" in html
