"""The profile as a portfolio: visible projects (owned and joined, with the role) and
public events (with status and the project entered there), newest first, 12 each with
"Show all" pages; a constant number of statements however many projects a builder has."""
import re
from html import unescape
from datetime import UTC, datetime, timedelta

from buildstory.enums import EventStatus
from tests.factories import (EventFactory, EventProjectFactory, EventRegistrationFactory,
                             ProfileFactory, ProjectFactory, ProjectMemberFactory)
from tests.querycount import count_queries

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def body(r):
    return r.get_data(as_text=True)


def section(page, cls):
    return re.search(rf'<section class="card {cls}".*?</section>', page, re.S).group(0)


def test_projects_and_events_with_roles_status_and_entries(client):
    ada = ProfileFactory(username="ada", display_name="Ada")
    owned = ProjectFactory(owner=ada, name="Ada Engine", slug="engine", created_at=T0)
    joined = ProjectFactory(name="Team Loom", slug="loom", created_at=T0)
    ProjectMemberFactory(project=joined, profile=ada, joined_at=T0 + timedelta(days=2))
    ProjectFactory(owner=ada, name="Secret Hidden", slug="hidden-one", hidden=True,
                   created_at=T0 + timedelta(days=3))
    banned_owner = ProfileFactory(banned=True)
    gone = ProjectFactory(owner=banned_owner, name="Banned Owner Bot", slug="banned-bot")
    ProjectMemberFactory(project=gone, profile=ada)
    live = EventFactory(name="Live Jam", slug="live-jam", status=EventStatus.active)
    done = EventFactory(name="Old Jam", slug="old-jam", status=EventStatus.complete,
                        starts_at=live.starts_at - timedelta(days=90),
                        ends_at=live.starts_at - timedelta(days=80))
    draft = EventFactory(name="Draft Jam", slug="draft-jam", status=EventStatus.draft)
    for event in (live, done, draft):
        EventRegistrationFactory(event=event, profile=ada)
    EventProjectFactory(event=live, project=joined)

    page = body(client.get("/profiles/ada"))
    projects = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section(page, "profile-projects"))))
    assert "Team Loom Member" in projects and "Ada Engine Owner" in projects
    assert projects.index("Team Loom") < projects.index("Ada Engine")  # newest first
    assert "Secret Hidden" not in page and "Banned Owner Bot" not in page
    events = section(page, "profile-events")
    assert events.index("Live Jam") < events.index("Old Jam") and "Draft Jam" not in page
    assert 'data-status="active">Live</span>' in events and ">Past</span>" in events
    assert re.search(r'Live Jam.*?entered <a href="/projects/loom">Team Loom</a>', events, re.S)
    assert "Show all" not in page


def test_twelve_each_then_show_all_pages(client):
    ada = ProfileFactory(username="prolific")
    for i in range(30):
        ProjectFactory(owner=ada, name=f"Bot {i:02d}", slug=f"bot-{i:02d}",
                       created_at=T0 + timedelta(days=i))
        event = EventFactory(name=f"Jam {i:02d}", slug=f"jam-{i:02d}", status=EventStatus.complete,
                             starts_at=T0 + timedelta(days=i), ends_at=T0 + timedelta(days=i, hours=2))
        EventRegistrationFactory(event=event, profile=ada)
    page = body(client.get("/profiles/prolific"))
    assert "Bot 29" in page and "Bot 18" in page and "Bot 17" not in page
    assert "Jam 29" in page and "Jam 18" in page and "Jam 17" not in page
    assert '<a href="/profiles/prolific/projects">Show all projects</a>' in page
    assert '<a href="/profiles/prolific/events">Show all events</a>' in page
    first = body(client.get("/profiles/prolific/projects"))
    assert "Bot 29" in first and "Bot 06" in first and "Bot 05" not in first
    assert 'rel="next" href="/profiles/prolific/projects?page=2"' in first
    second = body(client.get("/profiles/prolific/projects?page=2"))
    assert "Bot 05" in second and "Bot 00" in second and "Bot 06" not in second
    events = body(client.get("/profiles/prolific/events?page=2"))
    assert "Jam 05" in events and "Jam 06" not in events and 'rel="prev"' in events


def test_show_all_pages_follow_the_profile_visibility(client, login):
    ProfileFactory(username="shy", hidden=True)
    for path in ("/profiles/shy/projects", "/profiles/shy/events",
                 "/profiles/nobody-here/projects", "/profiles/Shy/events"):
        assert client.get(path).status_code == 404
    moderator = login(ProfileFactory(moderator=True))
    assert moderator.get("/profiles/shy/projects").status_code == 200


def test_constant_statements_in_the_number_of_projects(app, client):
    counts = []
    for n, name in ((2, "small"), (20, "large")):
        ada = ProfileFactory(username=name)
        for i in range(n):
            ProjectFactory(owner=ada)
            ProjectMemberFactory(profile=ada)
            event = EventFactory(status=EventStatus.complete)
            EventRegistrationFactory(event=event, profile=ada)
            EventProjectFactory(event=event, project=ProjectFactory(owner=ada))
        client.get(f"/profiles/{name}")  # warm up
        row = []
        for path in (f"/profiles/{name}", f"/profiles/{name}/projects", f"/profiles/{name}/events"):
            with count_queries(app) as q:
                assert client.get(path).status_code == 200
            row.append(q.count)
        counts.append(row)
    assert counts[0] == counts[1] and max(counts[1]) <= 8
