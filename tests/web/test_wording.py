"""Words that were wrong or stale: each sentence says what is true for this builder now."""
import re

from sqlalchemy import select

from buildstory.enums import EventStatus
from buildstory.models import Project
from tests.factories import (AccountFactory, EventFactory, EventProjectFactory,
                             EventRegistrationFactory, ProfileFactory, ProjectFactory)


def text(response):
    return response.get_data(as_text=True)


def test_an_entered_project_is_not_told_to_register_first(login):
    project = ProjectFactory(slug="entered")
    event = EventFactory(name="Spring Sprint", status=EventStatus.active)
    EventRegistrationFactory(event=event, profile=project.owner)
    EventProjectFactory(event=event, project=project)
    page = text(login(project.owner).get("/projects/entered"))
    assert "Spring Sprint" in page
    assert "register for an upcoming or live event first" not in page
    assert "Entered in every event you are registered for that takes entries." in page
    # A project in no event, of a builder registered nowhere, still says how to enter one.
    fresh = ProjectFactory(slug="fresh")
    assert "register for an upcoming or live event first" in text(login(fresh.owner).get("/projects/fresh"))


def test_a_taken_username_is_said_once(client):
    ProfileFactory(username="taken-name")
    body = text(client.get("/username-check?username=taken-name"))
    assert 'data-status="taken"' in body and "Taken ✗" in body
    assert "already taken" not in body  # not "Taken ✗ Username is already taken"
    invalid = text(client.get("/username-check?username=no"))
    assert "Invalid ✗" in invalid and 'class="check-detail"' in invalid  # the why stays


def test_a_suggested_project_url_that_is_taken_gets_a_suffix(login, db_session):
    ProjectFactory(slug="voice-notes")
    ProjectFactory(slug="voice-notes-2")
    c = login(ProfileFactory())
    r = c.hx_get("/project-slug-check?name=Voice+Notes", target="slug-field")
    body = text(r)
    assert 'value="voice-notes-3"' in body and 'data-status="available"' in body
    assert "Taken" not in body
    # Without JavaScript a blank Project URL is made from the name: a free one.
    r = c.post("/projects/new", {"name": "Voice Notes", "slug": "", "description": "Talk."})
    assert r.status_code == 303 and r.headers["Location"] == "/projects/voice-notes-3"
    # A URL the builder typed is theirs: taken stays an error.
    r = c.post("/projects/new", {"name": "Other", "slug": "voice-notes", "description": "x"})
    assert r.status_code == 422 and "taken" in text(r)
    assert db_session.scalar(select(Project).where(Project.slug == "voice-notes-3")) is not None


def test_forgot_password_with_an_empty_or_bad_email_says_what_to_fix(client):
    for email, message in (("", "Enter your email address"), ("not-an-email", "Enter a valid email address")):
        r = client.post("/forgot-password", {"email": email})
        body = text(r)
        assert r.status_code == 422, email
        assert message in body and 'aria-invalid="true"' in body
        assert "we sent a link" not in body
    r = client.post("/forgot-password", {"email": "someone@example.com"})
    assert r.status_code == 200 and "If an account exists, we sent a link" in text(r)


def test_next_steps_tick_the_place_once_it_is_set(login):
    me = AccountFactory(profile__bio="", profile__country="DE", profile__username="placed").profile
    page = text(login(me).get("/dashboard"))
    steps = page[page.index('id="steps-title"'):]
    assert "Add a bio and where you build from" not in steps
    assert re.search(r'<a href="/settings">Add a bio</a>', steps)
    assert re.search(r'<span>Add where you build from<span class="visually-hidden"> \(done\)', steps)
