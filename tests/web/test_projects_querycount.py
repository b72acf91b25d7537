"""Query budget of the project pages: ≤ 8 statements, the same at 1× and 10× data."""
from buildstory.enums import EventStatus
from tests.factories import (EventFactory, EventProjectFactory, EventRegistrationFactory,
                             ProfileFactory, ProjectEventFactory, ProjectFactory,
                             ProjectMemberFactory)
from tests.querycount import count_queries

BUDGET = 8


def seed(scale, owner):
    """Projects for everyone, plus ``owner``'s project with a team, entries and history."""
    project = ProjectFactory(owner=owner, slug="measured")
    for _ in range(scale):
        ProjectMemberFactory(project=project, profile=ProfileFactory(hidden=bool(_ % 2)))
        event = EventFactory(status=EventStatus.active)
        EventRegistrationFactory(event=event, profile=owner)
        EventProjectFactory(project=project, event=event)
        EventRegistrationFactory(event=EventFactory(status=EventStatus.open), profile=owner)
        ProjectEventFactory(project=project)
    for _ in range(3 * scale):
        other = ProjectFactory()
        ProjectMemberFactory(project=other, profile=owner)
        ProjectFactory(owner=other.owner, hidden=True)


def measure(app, client, paths):
    for path in paths:  # warm up: first-request writes (last_seen) are not the page's
        client.get(path)
    counts = {}
    for path in paths:
        with count_queries(app) as q:
            r = client.get(path)
        assert r.status_code == 200, path
        counts[path] = q.count
    return counts


PATHS = ["/projects", "/projects?q=a&page=2", "/projects/measured",
         "/projects/measured?history_page=2"]


def test_project_pages_use_a_constant_small_number_of_queries(app, login, client, db_session):
    results = []
    for scale in (2, 20):
        owner = ProfileFactory()
        seed(scale, owner)
        signed_in = login(owner)
        counts = {"owner": measure(app, signed_in, PATHS),
                  "anonymous": measure(app, client, PATHS),
                  "stranger": measure(app, login(ProfileFactory()), PATHS)}
        results.append(counts)
        db_session.rollback()  # back to an empty database for the next size
        from sqlalchemy import text
        for table in ("event_projects", "event_registrations", "project_events",
                      "project_members", "projects", "events", "sessions", "profiles"):
            db_session.execute(text(f"DELETE FROM {table}"))
        db_session.commit()
    small, large = results
    assert small == large
    for who, counts in small.items():
        for path, n in counts.items():
            assert n <= BUDGET, (who, path, n)
