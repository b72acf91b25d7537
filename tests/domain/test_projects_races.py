"""Project races on real concurrent connections: one slug, one entry."""
from sqlalchemy import func, select

from buildstory.db import db
from buildstory.errors import Conflict, ValidationFailed
from buildstory.identity.services import utcnow
from buildstory.models import EventProject, Profile, Project
from buildstory.projects import services
from tests.helpers import N, run_concurrently
from tests.factories import EventFactory, EventRegistrationFactory, ProfileFactory, ProjectFactory


def test_many_builders_claim_one_project_url_one_wins(app, committed):
    with app.app_context():
        ids = [ProfileFactory().id for _ in range(N)]
        db.session.commit()

    def create(session, i):
        owner = session.get(Profile, ids[i])
        return services.create_project(session, owner, {
            "name": f"Racer {i}", "slug": "hot-project", "description": "Fast."}, now=utcnow()).id

    results = run_concurrently(app, create)
    wins = [r for r in results if r[0] == "ok"]
    losses = [r[1] for r in results if r[0] == "error"]
    assert len(wins) == 1 and len(losses) == N - 1
    assert all(isinstance(e, ValidationFailed)
               and e.errors == {"slug": "Project URL is already taken"} for e in losses)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Project)) == 1


def test_double_submitted_entry_makes_one_row(app, committed):
    with app.app_context():
        project = ProjectFactory()
        event = EventFactory()
        EventRegistrationFactory(event=event, profile=project.owner)
        project_id, event_id = project.id, event.id
        db.session.commit()

    def enter(session, i):
        from buildstory.models import Event
        p, e = session.get(Project, project_id), session.get(Event, event_id)
        return services.enter_event(session, p, e, p.owner, now=utcnow()).id

    results = run_concurrently(app, enter, n=6)
    assert [r[0] for r in results].count("ok") == 1
    assert all(isinstance(r[1], Conflict)
               and r[1].message == "This project is already entered in this event"
               for r in results if r[0] == "error")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EventProject)) == 1
