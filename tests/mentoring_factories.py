"""Test data for mentoring: mentors and help requests."""
from __future__ import annotations

import factory

from buildstory.enums import HelpKind, HelpRequestStatus
from buildstory.mentoring.models import HelpRequest, Mentor
from tests.factories import (BaseFactory, EventFactory, EventProjectFactory, ProfileFactory,
                             ProjectFactory, utcnow)


def _entry(event, project):
    """The project's entry in the event (made when it has none)."""
    from sqlalchemy import select

    from buildstory.db import db
    from buildstory.projects.models import EventProject
    found = db.session.scalar(select(EventProject).where(
        EventProject.event_id == event.id, EventProject.project_id == project.id))
    return found or EventProjectFactory(event=event, project=project)


class MentorFactory(BaseFactory):
    """A mentor of every type unless ``mentor_types`` says otherwise."""

    class Meta:
        model = Mentor
        exclude = ("profile",)

    profile = factory.SubFactory(ProfileFactory)
    profile_id = factory.LazyAttribute(lambda o: o.profile.id)
    mentor_types = factory.LazyFunction(lambda: ["design", "technical", "growth"])
    granted_at = factory.LazyFunction(utcnow)


class HelpRequestFactory(BaseFactory):
    """An open technical request of a project entered in a live event."""

    class Meta:
        model = HelpRequest
        exclude = ("event", "project", "entry")

    event = factory.SubFactory(EventFactory, active=True)
    project = factory.SubFactory(ProjectFactory)
    entry = factory.LazyAttribute(lambda o: _entry(o.event, o.project))
    event_id = factory.LazyAttribute(lambda o: o.entry.event_id)
    project_id = factory.LazyAttribute(lambda o: o.project.id)
    opened_by = factory.LazyAttribute(lambda o: o.project.profile_id)
    kind = HelpKind.technical
    topic = factory.Sequence(lambda n: f"Stuck on deploy {n}")
    details = "The build fails.\nHelp!"
    status = HelpRequestStatus.open
    created_at = factory.LazyFunction(utcnow)
    updated_at = factory.LazyFunction(utcnow)
