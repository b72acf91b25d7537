"""Signing up asks first: join the featured event, or only set up the profile. Nobody is
registered without choosing to join; the steps are named; an invite or event link still
brings the new builder back where they came from."""
import re

import pytest
from sqlalchemy import func, select

from buildstory.events.models import EventRegistration
from tests.factories import EventFactory


def html(response):
    return response.get_data(as_text=True)


def registrations(db_session):
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(EventRegistration))


@pytest.fixture
def event(db_session):
    return EventFactory(open=True, featured=True, name="Agents Jam", slug="agents-jam")


def sign_up(client, **extra):
    return client.post("/sign-up", {"username": "freshface", "email": "fresh@example.com",
                                    "password": "long enough pw", **extra})


def test_sign_up_asks_before_any_registration(client, event, db_session):
    r = sign_up(client)
    assert r.status_code == 303 and r.headers["Location"] == "/onboarding?step=start"
    page = html(client.get(r.headers["Location"]))
    assert 'data-step="start"' in page
    assert '<button type="submit" name="choice" value="join" class="button button--primary">Join Agents Jam</button>' in page
    assert '<button type="submit" name="choice" value="profile" class="button">Skip — set up my profile</button>' in page
    assert "Continuing registers you" not in page and registrations(db_session) == 0
    r = client.post("/onboarding", {"step": "start"})
    assert r.status_code == 422 and "Choose one of the answers" in html(r)


def test_skipping_sets_up_the_profile_and_registers_nobody(client, event, db_session):
    sign_up(client)
    r = client.post("/onboarding", {"step": "start", "choice": "profile"})
    assert r.status_code == 303 and r.headers["Location"] == "/onboarding?path=profile"
    page = html(client.get(r.headers["Location"]))
    assert 'data-step="identity"' in page and "Step 1 of 2" in page
    assert '<input type="hidden" name="path" value="profile">' in page
    assert re.search(r'<li class="onboarding-step" aria-current="step">About you</li>'
                     r'<li class="onboarding-step">Experience</li>\s*</ol>', page)
    r = client.post("/onboarding", {"step": "identity", "path": "profile", "display_name": "Fresh",
                                    "country": "DE", "region": "DE-BE"})
    assert r.status_code == 303 and r.headers["Location"] == "/onboarding?path=profile"
    r = client.post("/onboarding", {"step": "experience", "path": "profile",
                                    "experience_level": "built_a_few"})
    assert r.status_code == 303 and r.headers["Location"] == "/dashboard"
    assert registrations(db_session) == 0


def test_joining_walks_the_named_steps_and_registers_at_the_team_step(client, event, db_session):
    sign_up(client)
    r = client.post("/onboarding", {"step": "start", "choice": "join"}, htmx=True,
                    headers={"HX-Target": "onboarding"})
    fragment = html(r)
    assert r.status_code == 200 and r.headers["HX-Replace-Url"] == "/onboarding"
    assert 'data-step="identity"' in fragment and "Step 1 of 8" in fragment
    names = re.findall(r'<li class="onboarding-step[^"]*"[^>]*>([^<]+)', fragment)
    assert names == ["About you", "Experience", "Team", "Commitment", "Plan", "Project",
                     "Starting point", "Goal"]
    client.post("/onboarding", {"step": "identity", "display_name": "Fresh", "country": "DE"})
    client.post("/onboarding", {"step": "experience", "experience_level": "built_a_few"})
    assert registrations(db_session) == 0
    r = client.post("/onboarding", {"step": "team", "team_preference": "solo"})
    assert r.status_code == 303 and registrations(db_session) == 1


@pytest.mark.parametrize("next_url", ["/events/agents-jam", "/invite/some-token"])
def test_an_event_or_invite_link_brings_the_builder_back(client, event, db_session, next_url):
    r = sign_up(client, next=next_url)
    assert r.status_code == 303 and r.headers["Location"] == next_url
    assert registrations(db_session) == 0
