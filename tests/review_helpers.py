"""Data for the review and judge queue tests: an event in judging with submitted teams."""
from __future__ import annotations

from buildstory.enums import EventStatus
from tests.factories import (EventFactory, EventProjectFactory, ProfileFactory, ProjectFactory,
                             ProjectMemberFactory)
from tests.hackathon_factories import EventJudgeFactory, EventSubmissionFactory


def judging_event(**kw):
    return EventFactory(status=EventStatus.judging, **kw)


def submit(event, owner=None, members=(), **kw):
    """A project owned by ``owner`` (a new builder by default) with ``members``, entered
    and submitted in ``event``; returns the submission (``.project`` set for convenience)."""
    project = ProjectFactory(owner=owner or ProfileFactory(), **kw)
    for member in members:
        ProjectMemberFactory(project=project, profile=member)
    entry = EventProjectFactory(event=event, project=project)
    submission = EventSubmissionFactory(entry=entry)
    submission.project = project
    return submission


def judge(event, profile=None):
    profile = profile or ProfileFactory()
    EventJudgeFactory(event=event, profile=profile)
    return profile
