"""Dashboard numbers (docs/rules.md "Events"), counting visible builders only.

Hidden and banned builders, hidden projects and projects of hidden or banned owners are
left out of every number here, as on the public pages, so the dashboard shows the
community as people see it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import func, select

from ..events.models import Event, EventRegistration
from ..events.rules import SEEKING
from ..home import queries as home_queries
from ..profiles.models import Profile
from ..profiles.queries import visible
from ..projects.models import EventProject, Project
from ..projects.queries import visible_project
DAYS = 30


def utc_midnight(now: datetime) -> datetime:
    """Return the start of ``now``'s UTC day."""
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def featured_event(session) -> Event | None:
    """Return the featured event, or None."""
    return session.scalar(select(Event).where(Event.featured))


@dataclass
class EventStats:
    signups: int
    projects: int
    team_seekers: int
    registered_today: int


def event_stats(session, event: Event, *, now: datetime) -> EventStats:
    """Return sign-ups, projects entered, team seekers and today's registrations (1 query)."""
    regs = (select(func.count()).select_from(EventRegistration)
            .join(Profile, Profile.id == EventRegistration.profile_id)
            .where(EventRegistration.event_id == event.id, visible()))
    entered = (select(func.count()).select_from(EventProject)
               .join(Project, Project.id == EventProject.project_id)
               .join(Profile, Profile.id == Project.profile_id)
               .where(EventProject.event_id == event.id, visible_project()))
    row = session.execute(select(
        regs.scalar_subquery(),
        entered.scalar_subquery(),
        regs.where(EventRegistration.team_preference.in_(SEEKING)).scalar_subquery(),
        regs.where(EventRegistration.registered_at >= utc_midnight(now)).scalar_subquery(),
    )).one()
    return EventStats(*row)


def signups_per_day(session, *, now: datetime, days: int = DAYS) -> list[tuple[date, int]]:
    """Return (UTC day, profiles created) for each of the last ``days`` days, oldest first."""
    start = utc_midnight(now) - timedelta(days=days - 1)
    day = func.date(func.timezone("UTC", Profile.created_at))
    counts = dict(session.execute(
        select(day, func.count()).where(Profile.created_at >= start, visible())
        .group_by(day)).all())
    first = start.date()
    return [(first + timedelta(days=i), counts.get(first + timedelta(days=i), 0))
            for i in range(days)]


def builders_per_country(session, limit: int = 10) -> list[tuple[str, int]]:
    """Return the top ``limit`` (country code, builders) pairs, most builders first."""
    return [tuple(r) for r in session.execute(
        select(Profile.country, func.count().label("n"))
        .where(Profile.country.is_not(None), visible())
        .group_by(Profile.country).order_by(func.count().desc(), Profile.country)
        .limit(limit)).all()]


class Activity(NamedTuple):
    """One line of the dashboard's recent activity."""

    kind: str
    at: datetime
    profile_id: object
    display_name: str
    username: str | None
    subject: str | None


def recent_activity_statement(limit: int = 12):
    """Return the activity UNION the landing page also reads, as admins see it (draft
    events and builders without a username included; hidden things never)."""
    return home_queries.recent_activity_statement(limit, public=False)


def recent_activity(session, limit: int = 12) -> list[Activity]:
    """Return the latest sign-ups, registrations, project entries and team joins (1 query);
    an entry's subject reads "Project → Event"."""
    return [Activity(r.kind, r.at, r.id, r.display_name, r.username,
                     f"{r.subject} → {r.extra}" if r.kind == "entry" else r.subject)
            for r in session.execute(recent_activity_statement(limit))]


ACTIVITY_LABELS = {"signup": "signed up", "registration": "registered for",
                   "entry": "entered", "join": "joined the team of"}
