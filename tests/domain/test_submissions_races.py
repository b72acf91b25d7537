"""Submission races on real concurrent connections: a double submit makes one row."""
from sqlalchemy import func, select

from buildstory.db import db
from buildstory.events.models import Event
from buildstory.hackathon import submissions
from buildstory.hackathon.models import EventSubmission
from buildstory.identity.services import utcnow
from buildstory.projects.models import EventProject, Project, ProjectEvent
from buildstory.tools.models import AiTool
from tests.factories import EventFactory, EventRegistrationFactory, ProjectFactory
from tests.hackathon_factories import AiToolFactory
from tests.helpers import N, outcomes, run_concurrently, setup


def _world(app):
    def make():
        event = EventFactory(active=True)
        project = ProjectFactory()
        EventRegistrationFactory(event=event, profile=project.owner)
        tool = AiToolFactory()
        return event.id, project.id, tool.id
    return setup(app, make)


def _save(event_id, project_id, tool_id, what):
    def run(session, i):
        project, event = session.get(Project, project_id), session.get(Event, event_id)
        return submissions.save_submission(
            session, project, event, project.owner,
            {"what_built": what(i), "demo_url": None, "repo_url": None, "video_url": None,
             "lesson_learned": None}, [tool_id], now=utcnow()).created
    return run


def _counts(app, project_id, tool_id):
    with app.app_context():
        s = db.session
        kinds = s.scalars(select(ProjectEvent.kind).where(ProjectEvent.project_id == project_id)).all()
        return (s.scalar(select(func.count()).select_from(EventSubmission)),
                s.scalar(select(func.count()).select_from(EventProject)),
                sorted(k.value for k in kinds), s.get(AiTool, tool_id).usage_count)


def test_a_double_submit_makes_one_submission_one_entry_and_one_trail_line(app, committed):
    event_id, project_id, tool_id = _world(app)
    results = run_concurrently(app, _save(event_id, project_id, tool_id, lambda i: "Same form"))
    created, errors = outcomes(results)
    assert errors == []
    assert created.count(True) == 1  # exactly one save reports it created the submission
    rows, entries, kinds, usage = _counts(app, project_id, tool_id)
    assert (rows, entries, usage) == (1, 1, 1)
    assert kinds == ["entered_event", "submitted"]  # identical saves after it wrote nothing


def test_concurrent_different_saves_make_one_row_and_a_line_each(app, committed):
    event_id, project_id, tool_id = _world(app)
    results = run_concurrently(app, _save(event_id, project_id, tool_id, lambda i: f"Take {i}"),
                               n=6)
    created, errors = outcomes(results)
    assert errors == [] and created.count(True) == 1
    rows, entries, kinds, usage = _counts(app, project_id, tool_id)
    assert (rows, entries, usage) == (1, 1, 1)
    assert kinds == sorted(["entered_event", "submitted"] + ["submission_updated"] * 5)
