"""Demo ownership: one pending ownership request in the live event.

Runs after the teams seeder. It picks the first demo project (by slug) that is entered in
a live event and has a member, makes its owner look idle for three days and files the
request through the service, ten hours ago, so the team sees when ownership passes. A
demo with any ownership request already is left alone (idempotent).
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, select

from ..enums import EventStatus
from ..events.models import Event
from ..profiles.models import Profile
from ..projects.models import EventProject, Project
from . import ownership
from .models import OwnershipRequest, ProjectMember

REQUEST_HOURS = 72  # the default OWNERSHIP_REQUEST_HOURS
IDLE_HOURS = 48     # the default OWNERSHIP_IDLE_HOURS


def seed(session, rng) -> dict:
    if session.scalar(select(exists().where(OwnershipRequest.id.is_not(None)))):
        return {"ownership requests": 0}
    project = session.scalar(
        select(Project).join(EventProject, EventProject.project_id == Project.id)
        .join(Event, Event.id == EventProject.event_id)
        .where(Event.status == EventStatus.active,
               exists().where(ProjectMember.project_id == Project.id))
        .order_by(Project.slug).limit(1))
    if project is None:
        return {"ownership requests": 0}
    requester = session.scalar(
        select(Profile).join(ProjectMember, ProjectMember.profile_id == Profile.id)
        .where(ProjectMember.project_id == project.id, Profile.banned_at.is_(None))
        .order_by(ProjectMember.joined_at, Profile.id).limit(1))
    if requester is None:
        return {"ownership requests": 0}
    asked = datetime.now(UTC) - timedelta(hours=10)
    owner = session.get(Profile, project.profile_id)
    owner.last_seen_at = asked - timedelta(days=3)
    session.flush()
    ownership.request_ownership(session, project, requester, now=asked,
                                request_hours=REQUEST_HOURS, idle_hours=IDLE_HOURS)
    return {"ownership requests": 1}
