"""Entering projects in events and taking them out again (docs/rules.md "Projects"), with team history."""
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from buildstory.enums import EventStatus, ProjectEventKind
from buildstory.errors import Conflict, Forbidden
from buildstory.models import EventProject, ProjectEvent
from buildstory.projects import queries, services
from tests.factories import (EventFactory, EventProjectFactory, EventRegistrationFactory,
                             ProfileFactory, ProjectFactory, ProjectMemberFactory)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def registered(profile, **event_kw):
    event = EventFactory(**event_kw)
    EventRegistrationFactory(event=event, profile=profile)
    return event


def history(session, project):
    return list(session.scalars(select(ProjectEvent).where(ProjectEvent.project_id == project.id)))


@pytest.mark.parametrize("status", [EventStatus.open, EventStatus.active])
def test_owner_enters_a_project_while_the_event_takes_entries(db_session, status):
    project = ProjectFactory()
    event = registered(project.owner, status=status)
    entry = services.enter_event(db_session, project, event, project.owner, now=NOW)
    assert entry.event_id == event.id and entry.entered_by == project.owner.id
    assert entry.submitted_at == NOW
    [row] = history(db_session, project)
    assert (row.kind, row.actor_name, row.subject_name, row.actor_profile_id) == (
        ProjectEventKind.entered_event, project.owner.display_name, event.name, project.owner.id)


def test_a_member_may_enter_when_they_are_registered(db_session):
    project = ProjectFactory()
    member = ProjectMemberFactory(project=project).profile
    event = registered(member)
    services.enter_event(db_session, project, event, member, now=NOW)
    assert history(db_session, project)[0].actor_name == member.display_name


def test_someone_off_the_team_cannot_enter(db_session):
    project = ProjectFactory()
    stranger = ProfileFactory(admin=True)
    event = registered(stranger)
    with pytest.raises(Forbidden) as exc:
        services.enter_event(db_session, project, event, stranger, now=NOW)
    assert exc.value.message == "You are not on this project's team" and exc.value.status == 403


def test_registration_is_required_of_whoever_enters(db_session):
    project = ProjectFactory()
    member = ProjectMemberFactory(project=project).profile
    event = registered(project.owner)  # the owner is registered, the member is not
    with pytest.raises(Conflict) as exc:
        services.enter_event(db_session, project, event, member, now=NOW)
    assert exc.value.message == "Register for this event first" and exc.value.status == 409


@pytest.mark.parametrize("status", [EventStatus.draft, EventStatus.judging, EventStatus.complete])
def test_closed_events_take_no_entries(db_session, status):
    project = ProjectFactory()
    event = registered(project.owner, status=status)
    with pytest.raises(Conflict) as exc:
        services.enter_event(db_session, project, event, project.owner, now=NOW)
    assert exc.value.message == "Submissions are not open for this event"
    assert exc.value.status == 409


def test_a_project_is_entered_at_most_once(db_session):
    project = ProjectFactory()
    member = ProjectMemberFactory(project=project).profile
    event = registered(project.owner)
    EventRegistrationFactory(event=event, profile=member)
    services.enter_event(db_session, project, event, project.owner, now=NOW)
    with pytest.raises(Conflict) as exc:
        services.enter_event(db_session, project, event, member, now=NOW)
    assert exc.value.message == "This project is already entered in this event"
    assert len(history(db_session, project)) == 1


def test_leave_event_removes_the_entry_and_records_it(db_session):
    project = ProjectFactory()
    member = ProjectMemberFactory(project=project).profile
    event = EventFactory(status=EventStatus.active)
    EventProjectFactory(event=event, project=project)
    services.leave_event(db_session, project, event, member, now=NOW)
    assert db_session.scalar(select(EventProject).where(EventProject.project_id == project.id)) is None
    [row] = history(db_session, project)
    assert (row.kind, row.actor_name, row.subject_name) == (
        ProjectEventKind.left_event, member.display_name, event.name)


def test_leave_event_refusals(db_session):
    project = ProjectFactory()
    judging = EventFactory(status=EventStatus.judging)
    EventProjectFactory(event=judging, project=project)
    with pytest.raises(Conflict, match="Submissions are not open for this event"):
        services.leave_event(db_session, project, judging, project.owner, now=NOW)
    with pytest.raises(Forbidden, match="You are not on this project's team"):
        services.leave_event(db_session, project, judging, ProfileFactory(), now=NOW)
    with pytest.raises(Conflict, match="This project is not entered in this event"):
        services.leave_event(db_session, project, EventFactory(), project.owner, now=NOW)


def test_events_panel_lists_entries_and_enterable_events(db_session):
    project = ProjectFactory()
    owner = project.owner
    good = registered(owner, status=EventStatus.active, name="Good one")
    entered = registered(owner, status=EventStatus.open)
    EventProjectFactory(event=entered, project=project)
    registered(owner, status=EventStatus.judging)
    registered(owner, status=EventStatus.draft)
    EventFactory(status=EventStatus.open)  # not registered
    later = registered(owner, status=EventStatus.open, name="Later one")
    entered_events, enterable = queries.events_panel(db_session, project, owner)
    assert [e.id for e in enterable] == [good.id, later.id]
    assert [e.id for e in entered_events] == [entered.id]
    assert queries.events_panel(db_session, project)[1] == []
