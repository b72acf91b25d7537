"""Project pages through the test client: create, edit, delete, the page, the list, fragments."""
import re

import pytest
from sqlalchemy import select

from buildstory.enums import EventStatus, ProjectEventKind
from buildstory.models import EventProject, Project
from tests.factories import (EventFactory, EventProjectFactory, EventRegistrationFactory,
                             ProfileFactory, ProjectEventFactory, ProjectFactory,
                             ProjectMemberFactory)

FORM = {"name": "Receipt Whisperer", "slug": "receipt-whisperer",
        "description": "Reads **receipts** for you.", "starting_point": "existing",
        "goal_text": "A _working_ demo", "github_url": "https://github.com/amara/receipts",
        "live_url": "https://receipts.example.com"}


def text(response):
    return response.get_data(as_text=True)


# --- Anonymous visitors -----------------------------------------------------------------

@pytest.mark.parametrize("method,path", [
    ("get", "/projects/new"), ("post", "/projects/new"), ("get", "/project-slug-check?slug=ab"),
    ("get", "/projects/p-1/edit"), ("post", "/projects/p-1/edit"), ("post", "/projects/p-1/delete"),
    ("post", "/projects/p-1/events"), ("post", "/projects/p-1/events/e-1/remove"),
])
def test_signed_in_pages_send_anonymous_visitors_to_sign_in(client, method, path):
    ProjectFactory(slug="p-1")
    r = client.get(path) if method == "get" else client.post(path, {})
    assert r.status_code == 303 and r.headers["Location"].startswith("/sign-in?next=")
    r = client.hx_get(path) if method == "get" else client.post(path, {}, htmx=True)
    assert r.status_code == 200 and r.headers["HX-Redirect"].startswith("/sign-in?next=")


# --- Create -----------------------------------------------------------------------------

def test_new_project_form_has_the_contract_labels(login):
    page = text(login(ProfileFactory()).get("/projects/new"))
    for label in ("Name", "Project URL", "Description", "Starting point", "Goal",
                  "Repository URL", "Live URL"):
        assert re.search(rf"<label for=\"\w+\">{label}</label>", page), label
    assert ">Create project</button>" in page
    assert "Brand new project" in page and "Continuing an existing project" in page
    assert 'hx-get="/project-slug-check"' in page and 'hx-target="#slug-field"' in page


def test_create_project_redirects_to_its_page(login, db_session):
    me = ProfileFactory()
    r = login(me).post("/projects/new", FORM)
    assert r.status_code == 303 and r.headers["Location"] == "/projects/receipt-whisperer"
    project = db_session.scalar(select(Project).where(Project.slug == "receipt-whisperer"))
    assert project.profile_id == me.id and project.live_url == "https://receipts.example.com/"


def test_create_with_htmx_answers_hx_redirect(login):
    r = login(ProfileFactory()).post("/projects/new", FORM, htmx=True)
    assert r.status_code == 200 and r.headers["HX-Redirect"] == "/projects/receipt-whisperer"


def test_create_without_a_url_uses_the_names_suggestion(login, db_session):
    r = login(ProfileFactory()).post("/projects/new", {**FORM, "slug": ""})
    assert r.headers["Location"] == "/projects/receipt-whisperer"


def test_create_errors_keep_the_input_and_show_messages(login):
    ProjectFactory(slug="receipt-whisperer")
    c = login(ProfileFactory())
    r = c.post("/projects/new", {**FORM, "name": "", "github_url": "example.com"})
    page = text(r)
    assert r.status_code == 422
    assert "Project name is required" in page and "Invalid URL" in page
    assert "Project URL is already taken" in page and 'class="error-summary"' in page
    assert 'value="example.com"' in page and "Reads **receipts** for you." in page
    # htmx: only the form comes back, in place.
    r = c.post("/projects/new", {**FORM, "name": ""}, htmx=True,
               headers={"HX-Target": "project-form"})
    assert r.status_code == 422 and text(r).lstrip().startswith('<form id="project-form"')
    assert "<html" not in text(r)


# --- Slug check and suggestion ------------------------------------------------------------

@pytest.mark.parametrize("slug,status,words", [
    ("fresh-url", "available", "Available ✓"), ("taken-url", "taken", "Taken ✗"),
    ("Bad URL", "invalid", "Invalid ✗"), ("new", "invalid", "Invalid ✗"),
])
def test_slug_check_fragment(login, slug, status, words):
    ProjectFactory(slug="taken-url")
    r = login(ProfileFactory()).hx_get(f"/project-slug-check?slug={slug}", target="slug-status")
    body = text(r)
    assert r.status_code == 200 and body.lstrip().startswith('<span id="slug-status"')
    assert f'data-status="{status}"' in body and words in body
    assert 'aria-live="polite"' in body and "no-store" in r.headers["Cache-Control"]


def test_slug_check_current_for_the_edited_project(login):
    project = ProjectFactory(slug="mine-url")
    body = text(login(project.owner).hx_get(
        f"/project-slug-check?slug=mine-url&project={project.id}", target="slug-status"))
    assert 'data-status="current"' in body and "This is the current URL" in body
    body = text(login(project.owner).hx_get("/project-slug-check?slug=mine-url&project=junk"))
    assert 'data-status="taken"' in body


def test_name_typing_suggests_a_url_until_the_builder_types_one(login):
    ProjectFactory(slug="voice-diary")
    c = login(ProfileFactory())
    r = c.hx_get("/project-slug-check?name=Voice+Diary&slug=&slug_auto=", target="slug-field")
    body = text(r)
    assert body.lstrip().startswith('<div id="slug-field"')
    # The name's URL is taken: the suggestion is the first free variant, not "Taken".
    assert 'value="voice-diary-2"' in body and 'data-status="available"' in body
    r = c.hx_get("/project-slug-check?name=Voice+Diary+2&slug=voice-diary-2&slug_auto=voice-diary-2",
                 target="slug-field")
    assert 'value="voice-diary-2"' in text(r) and 'data-status="available"' in text(r)
    r = c.hx_get("/project-slug-check?name=Other&slug=my-own&slug_auto=voice-diary",
                 target="slug-field")
    assert r.status_code == 204 and text(r) == ""


# --- Edit and delete --------------------------------------------------------------------

def test_edit_form_is_for_the_owner_only(login):
    project = ProjectFactory(slug="owned")
    member = ProjectMemberFactory(project=project).profile
    page = text(login(project.owner).get("/projects/owned/edit"))
    assert ">Save project</button>" in page and ">Delete project</button>" in page
    assert f'value="{project.name}"' in page and 'hx-confirm="Delete' in page
    assert '<noscript><label class="checkbox confirm-check"><input type="checkbox" name="confirm" value="yes" required> Confirm' in page
    for actor in (member, ProfileFactory(), ProfileFactory(moderator=True)):
        c = login(actor)
        for r in (c.get("/projects/owned/edit"), c.post("/projects/owned/edit", FORM),
                  c.post("/projects/owned/delete", {"confirm": "yes"})):
            assert r.status_code == 403 and "You do not own this project" in text(r)
    assert project.slug == "owned"


def test_owner_saves_changes(login, db_session):
    project = ProjectFactory(slug="owned")
    r = login(project.owner).post("/projects/owned/edit", {**FORM, "slug": "renamed"})
    assert r.status_code == 303 and r.headers["Location"] == "/projects/renamed"
    db_session.refresh(project)
    assert project.slug == "renamed" and project.name == "Receipt Whisperer"


def test_edit_errors_are_422_in_place(login):
    project = ProjectFactory(slug="owned")
    ProjectFactory(slug="other")
    r = login(project.owner).post("/projects/owned/edit", {**FORM, "slug": "other"})
    assert r.status_code == 422 and "Project URL is already taken" in text(r)
    assert 'action="/projects/owned/edit"' in text(r)


def test_delete_needs_the_checkbox_without_javascript(login, db_session):
    project = ProjectFactory(slug="doomed")
    c = login(project.owner)
    r = c.post("/projects/doomed/delete", {})
    assert r.status_code == 422
    assert "Tick the box to confirm" in text(r)
    assert db_session.get(Project, project.id) is not None
    r = c.post("/projects/doomed/delete", {"confirm": "yes"})
    assert r.status_code == 303 and r.headers["Location"] == "/projects"
    assert c.get("/projects/doomed").status_code == 404


def test_delete_with_htmx_relies_on_hx_confirm(login):
    project = ProjectFactory(slug="doomed")
    r = login(project.owner).post("/projects/doomed/delete", {}, htmx=True)
    assert r.status_code == 200 and r.headers["HX-Redirect"] == "/projects"


# --- The project page -------------------------------------------------------------------

def test_project_page_shows_description_goal_links_team_and_events(client):
    project = ProjectFactory(slug="shown", description="Reads **receipts**.",
                             goal_text="Ship [it](https://example.com)",
                             live_url="https://live.example.com/")
    member = ProjectMemberFactory(project=project).profile
    event = EventFactory(name="Winter Jam", status=EventStatus.active)
    EventProjectFactory(project=project, event=event)
    page = text(client.get("/projects/shown"))
    assert "<strong>receipts</strong>" in page
    assert re.search(r'<a href="https://example.com"[^>]* rel="noopener noreferrer nofollow"', page)
    assert f'href="{project.github_url}" rel="noopener noreferrer nofollow"' in page
    assert 'href="https://live.example.com/" rel="noopener noreferrer nofollow"' in page
    assert project.owner.display_name in page and member.display_name in page
    assert "Winter Jam" in page and 'id="team"' in page
    assert "Team history" not in page and "Add to event" not in page
    assert "Remove from event" not in page
    assert '<meta property="og:title"' in page


def test_owner_sees_history_newest_first_paginated(login):
    project = ProjectFactory(slug="busy")
    from datetime import UTC, datetime, timedelta
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for i in range(23):
        ProjectEventFactory(project=project, kind=ProjectEventKind.invite_sent,
                            subject_name=f"Invitee {i:02d}", created_at=start + timedelta(hours=i))
    c = login(project.owner)
    page = text(c.get("/projects/busy"))
    assert "Team history" in page and page.index("Invitee 22") < page.index("Invitee 21")
    assert "Invitee 02" not in page and "Older</a>" in page
    r = c.hx_get("/projects/busy?history_page=2", target="team-history")
    assert text(r).lstrip().startswith('<section id="team-history"')
    assert "Invitee 02" in text(r) and "Invitee 03" not in text(r) and "Newer</a>" in text(r)
    member = ProjectMemberFactory(project=project).profile
    assert "Team history" not in text(login(member).get("/projects/busy"))


def test_hidden_members_only_for_the_team_and_moderators(client, login):
    project = ProjectFactory(slug="team")
    hidden = ProjectMemberFactory(project=project, profile=ProfileFactory(hidden=True)).profile
    assert hidden.display_name not in text(client.get("/projects/team"))
    assert hidden.display_name not in text(login(ProfileFactory()).get("/projects/team"))
    for viewer in (project.owner, hidden, ProfileFactory(moderator=True)):
        page = text(login(viewer).get("/projects/team"))
        assert hidden.display_name in page and "badge--hidden" in page


def project_with(kind):
    if kind == "hidden":
        return ProjectFactory(slug="secret", hidden=True)
    owner = ProfileFactory(**{kind: True})
    return ProjectFactory(slug="secret", owner=owner)


@pytest.mark.parametrize("kind", ["hidden", "banned"])
def test_hidden_projects_404_matrix(client, login, kind):
    project = project_with("hidden" if kind == "hidden" else kind)
    member = ProjectMemberFactory(project=project).profile
    assert client.get("/projects/secret").status_code == 404
    assert login(ProfileFactory()).get("/projects/secret").status_code == 404
    assert login(member).get("/projects/secret").status_code == 200
    for role in ("moderator", "admin"):
        page = login(ProfileFactory(**{role: True})).get("/projects/secret")
        assert page.status_code == 200
        assert "badge--hidden" in text(page) or "badge--banned" in text(page)
    if kind == "hidden":
        r = login(project.owner).get("/projects/secret")
        assert r.status_code == 200 and "badge--hidden" in text(r)


def test_hidden_owner_still_sees_their_project(login):
    project = project_with("hidden_owner") if False else ProjectFactory(
        slug="secret", owner=ProfileFactory(hidden=True))
    assert login(project.owner).get("/projects/secret").status_code == 200
    assert login(ProfileFactory()).get("/projects/secret").status_code == 404


def test_unknown_project_is_404(client):
    assert client.get("/projects/nope").status_code == 404


# --- Entering events --------------------------------------------------------------------

def test_team_enters_and_removes_with_htmx_swaps(login, db_session):
    project = ProjectFactory(slug="entry")
    event = EventFactory(name="Spring Sprint", slug="spring", status=EventStatus.open)
    EventRegistrationFactory(event=event, profile=project.owner)
    c = login(project.owner)
    page = text(c.get("/projects/entry"))
    assert '<label for="event">Event</label>' in page and ">Add to event</button>" in page
    assert "Spring Sprint (Upcoming)" in page
    r = c.post("/projects/entry/events", {"event": str(event.id)}, htmx=True,
               headers={"HX-Target": "project-events"})
    assert r.status_code == 200 and text(r).lstrip().startswith('<section id="project-events"')
    assert "Remove from event" in text(r)
    r = c.post("/projects/entry/events", {"event": str(event.id)}, htmx=True)
    assert r.status_code == 409 and "This project is already entered in this event" in text(r)
    r = c.post("/projects/entry/events/spring/remove", {}, htmx=True)
    assert r.status_code == 200 and "Not entered in any event yet." in text(r)
    assert f"{project.name} is no longer entered in Spring Sprint." in text(r)
    assert db_session.scalar(select(EventProject)) is None


def test_only_the_owner_removes_an_entry_after_confirming(login, db_session):
    """A member may enter the project but not take it out of a live event; the owner's
    button asks first (hx-confirm, or the Confirm box without JavaScript) and the
    removal lands in the team history."""
    project = ProjectFactory(slug="entry", name="Entry")
    member = ProjectMemberFactory(project=project).profile
    event = EventFactory(name="Spring Sprint", slug="spring", status=EventStatus.active)
    EventProjectFactory(event=event, project=project)
    as_member = login(member)
    assert "Remove from event" not in text(as_member.get("/projects/entry"))
    r = as_member.post("/projects/entry/events/spring/remove", {"confirm": "yes"})
    assert r.status_code == 403 and db_session.scalar(select(EventProject)) is not None
    owner = login(project.owner)
    page = text(owner.get("/projects/entry"))
    assert 'hx-confirm="Remove Entry from Spring Sprint?' in page
    assert re.search(r'<noscript><label class="checkbox confirm-check"><input type="checkbox" '
                     r'name="confirm" value="yes" required> Confirm</label></noscript>\s*'
                     r'<button type="submit" class="button button--small button--danger">'
                     r'Remove from event', page)
    r = owner.post("/projects/entry/events/spring/remove", {})  # no box ticked, no JavaScript
    assert r.status_code == 422 and "Tick the box to confirm" in text(r)
    assert re.search(r'<label class="checkbox confirm-check"><input type="checkbox" name="confirm"'
                     r' value="yes" required autofocus', text(r))
    assert db_session.scalar(select(EventProject)) is not None
    r = owner.post("/projects/entry/events/spring/remove", {"confirm": "yes"})
    assert r.status_code == 303 and db_session.scalar(select(EventProject)) is None
    history = text(owner.get("/projects/entry"))
    assert "took the project out of <strong>Spring Sprint</strong>" in history


def test_entry_without_javascript_redirects_back(login, db_session):
    project = ProjectFactory(slug="entry")
    event = EventFactory(slug="spring")
    EventRegistrationFactory(event=event, profile=project.owner)
    c = login(project.owner)
    r = c.post("/projects/entry/events", {"event": str(event.id)})
    assert r.status_code == 303 and r.headers["Location"].startswith("/projects/entry")
    assert db_session.scalar(select(EventProject)).event_id == event.id


def test_entry_refusals(login):
    project = ProjectFactory(slug="entry")
    member = ProjectMemberFactory(project=project).profile
    unregistered = EventFactory(slug="open-one")
    judging = EventFactory(slug="judged", status=EventStatus.judging)
    EventRegistrationFactory(event=judging, profile=member)
    c = login(member)
    r = c.post("/projects/entry/events", {"event": str(unregistered.id)})
    assert r.status_code == 409 and "Register for this event first" in text(r)
    r = c.post("/projects/entry/events", {"event": str(judging.id)})
    assert r.status_code == 409 and "Submissions are not open for this event" in text(r)
    r = c.post("/projects/entry/events", {"event": ""})
    assert r.status_code == 422 and "Event is required" in text(r)
    r = c.post("/projects/entry/events", {"event": "not-a-uuid"})
    assert r.status_code == 422 and "Choose an event from the list" in text(r)
    r = login(ProfileFactory()).post("/projects/entry/events", {"event": str(judging.id)})
    assert r.status_code == 403 and "You are not on this project&#39;s team" in text(r)
    assert c.post("/projects/entry/events/no-such-event/remove", {}).status_code == 404
    r = login(project.owner).post("/projects/entry/events/open-one/remove", {"confirm": "yes"})
    assert r.status_code == 409 and "This project is not entered in this event" in text(r)


# --- The list ---------------------------------------------------------------------------

def test_list_shows_your_projects_first_then_all_visible(login, client):
    me = ProfileFactory()
    mine = ProjectFactory(owner=me, name="Alpha Mine")
    joined = ProjectFactory(name="Beta Joined")
    ProjectMemberFactory(project=joined, profile=me)
    ProjectFactory(name="Gamma Public")
    ProjectFactory(name="Delta Hidden", hidden=True)
    ProjectFactory(name="Epsilon Banned Owner", owner=ProfileFactory(banned=True))
    page = text(login(me).get("/projects"))
    assert page.index("Your projects") < page.index("Alpha Mine") < page.index("All projects")
    assert page.index("Beta Joined") < page.index("All projects")
    assert "Gamma Public" in page and "Delta Hidden" not in page
    assert "Epsilon Banned Owner" not in page
    anon = text(client.get("/projects"))
    assert "Your projects" not in anon and "Alpha Mine" in anon and "Delta Hidden" not in anon
    mod = text(login(ProfileFactory(moderator=True)).get("/projects"))
    assert "Delta Hidden" in mod and "Epsilon Banned Owner" in mod and "Owner banned" in mod
    assert mine.slug in page


def test_list_search_and_pagination(client):
    for i in range(30):
        ProjectFactory(name=f"Agent {i:02d}")
    ProjectFactory(name="100% Voice_Bot")
    page1 = text(client.get("/projects"))
    assert page1.count('class="project-card card"') == 24 and "Next</a>" in page1
    page2 = text(client.get("/projects?page=2"))
    assert page2.count('class="project-card card"') == 7 and "Previous</a>" in page2
    r = client.hx_get("/projects?q=voice_", target="project-results")
    assert text(r).lstrip().startswith('<div id="project-results"') and "100% Voice_Bot" in text(r)
    assert "Agent" not in text(r)
    assert "No projects match" in text(client.get("/projects?q=zzz"))
    assert "100% Voice_Bot" not in text(client.get("/projects?q=%25%25x"))
    assert client.get("/projects?page=abc").status_code == 200


def test_nav_links_to_projects(client):
    assert '<a href="/projects"' in text(client.get("/projects"))


# --- Every block a view may return renders on its own --------------------------------------

@pytest.mark.parametrize("path,target", [
    ("/projects", "project-results"),
    ("/projects/blocks", "project-events"), ("/projects/blocks", "team-history"),
    ("/projects/blocks", "team"),
    ("/projects/new", "project-form"), ("/projects/new", "slug-field"),
    ("/projects/blocks/edit", "project-form"), ("/projects/blocks/edit", "slug-field"),
    ("/projects/blocks/edit", "delete-project-form"),
])
def test_each_allow_listed_block_renders_as_a_fragment(login, path, target):
    project = ProjectFactory(slug="blocks")
    ProjectMemberFactory(project=project)
    ProjectEventFactory(project=project)
    r = login(project.owner).hx_get(path, target=target)
    body = text(r).lstrip()
    assert r.status_code == 200 and "<html" not in body
    assert re.match(rf'<\w+ id="{target}"', body), body[:120]
    assert r.headers["Vary"] and "HX-Target" in r.headers["Vary"]
