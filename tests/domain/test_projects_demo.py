"""The projects part of `flask seed-demo`: realistic, entered where owners registered, idempotent."""
import random

from sqlalchemy import func, select

from buildstory.demo import seed_builders, seed_events
from buildstory.enums import EventStatus, ProjectEventKind
from buildstory.events import demo as events_demo
from buildstory.models import Event, EventProject, EventRegistration, Project, ProjectEvent
from buildstory.projects import demo


def seed_all(session):
    rng = random.Random(7)
    seed_builders(session, rng)
    seed_events(session)
    events_demo.seed(session, rng)
    return demo.seed(session, rng)


def test_demo_projects_are_created_once_and_entered_by_registered_owners(db_session):
    first = seed_all(db_session)
    assert first["projects"] == len(demo.PROJECTS) >= 20
    assert first["project entries"] > 5
    assert seed_all(db_session) == {"projects": 0, "project entries": 0}
    assert db_session.scalar(select(func.count()).select_from(Project)) == len(demo.PROJECTS)
    rows = db_session.execute(
        select(EventProject, Event, Project).join(Event, Event.id == EventProject.event_id)
        .join(Project, Project.id == EventProject.project_id)).all()
    for entry, event, project in rows:
        assert event.status != EventStatus.draft
        assert entry.entered_by == project.profile_id
        assert db_session.scalar(select(EventRegistration.id).where(
            EventRegistration.event_id == event.id,
            EventRegistration.profile_id == project.profile_id)) is not None
        assert entry.submitted_at >= project.created_at
    # Entries in events that take them went through the service, which writes history.
    live = [e for e, ev, _p in rows if ev.status in (EventStatus.open, EventStatus.active)]
    history = db_session.scalar(select(func.count()).select_from(ProjectEvent).where(
        ProjectEvent.kind == ProjectEventKind.entered_event))
    assert live and history == len(live)
    assert any("**" in p.description for p in db_session.scalars(select(Project)))
