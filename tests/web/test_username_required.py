"""Clerk mode: a builder without a username is sent to choose one before registering for
an event, creating a project or sending invites, and comes back after saving it."""
import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from buildstory.enums import EventStatus
from buildstory.events.models import EventRegistration
from buildstory.profiles.models import Profile
from buildstory.projects.models import Project
from buildstory.teams.models import TeamInvite
from tests.conftest import CSRF_RE, Client
from tests.factories import EventFactory, ProfileFactory, ProjectFactory
from tests.web.test_clerk_mode import clerk_app, clerk_token  # noqa: F401 (fixture)

MESSAGE = "Choose a username first: it is your handle for mentions and your profile link."


def newcomer(clerk_app, db_session):  # noqa: F811
    c = Client(clerk_app, db_session)
    c.raw.set_cookie("__session", clerk_token(sub="user_new"))
    page = c.get("/settings")
    assert page.status_code == 200
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    profile = db_session.scalar(select(Profile).where(Profile.clerk_id == "user_new"))
    assert profile.username is None
    return c, token, profile


def sent_to_choose(r, htmx=False):
    location = r.headers["HX-Redirect"] if htmx else r.headers["Location"]
    assert (r.status_code in (200, 204) if htmx else r.status_code == 303), r.status_code
    parts = urlsplit(location)
    assert parts.path == "/settings" and parse_qs(parts.query)["choose"] == ["username"]
    return parse_qs(parts.query)["next"][0]


def count(db_session, model):
    return db_session.scalar(select(func.count()).select_from(model))


def test_registering_creating_and_inviting_wait_for_a_username(clerk_app, db_session):  # noqa: F811
    c, token, me = newcomer(clerk_app, db_session)
    event = EventFactory(status=EventStatus.open)
    mine = ProjectFactory(owner=me)
    ProfileFactory(username="grace")
    db_session.flush()
    here = {"Referer": f"http://localhost/events/{event.slug}"}

    r = c.post(f"/events/{event.slug}/register", {"csrf_token": token}, headers=here)
    assert sent_to_choose(r) == f"/events/{event.slug}"
    r = c.post(f"/events/{event.slug}/register", {"csrf_token": token}, htmx=True,
               headers={**here, "X-CSRF-Token": token})
    assert sent_to_choose(r, htmx=True) == f"/events/{event.slug}"
    assert count(db_session, EventRegistration) == 0

    assert sent_to_choose(c.get("/projects/new")) == "/projects/new"
    projects = count(db_session, Project)
    r = c.post("/projects/new", {"csrf_token": token, "name": "Sneaky"})
    sent_to_choose(r)
    assert count(db_session, Project) == projects

    for path, data in ((f"/projects/{mine.slug}/invites", {"username": "grace"}),
                       (f"/projects/{mine.slug}/invite-links", {})):
        sent_to_choose(c.post(path, {"csrf_token": token, **data}))
    assert count(db_session, TeamInvite) == 0


def test_choosing_the_username_leads_back(clerk_app, db_session):  # noqa: F811
    c, token, me = newcomer(clerk_app, db_session)
    html = c.get("/settings?choose=username&next=/projects/new").get_data(as_text=True)
    assert MESSAGE in html and '<input type="hidden" name="next" value="/projects/new">' in html
    # A next elsewhere is ignored.
    assert 'name="next"' not in c.get("/settings?choose=username&next=//evil.example/").get_data(as_text=True)
    r = c.post("/settings", {"csrf_token": token, "display_name": "New Person", "username": "",
                             "next": "/projects/new"})
    assert r.status_code == 422 and "Username is required" in r.get_data(as_text=True)
    r = c.post("/settings", {"csrf_token": token, "display_name": "New Person",
                             "username": "new-person", "next": "/projects/new"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/projects/new")
    assert c.get("/projects/new").status_code == 200
    # With a username the notice is gone.
    assert MESSAGE not in c.get("/settings?choose=username").get_data(as_text=True)
