"""Dashboard numbers (domain.md §5 "Admin stats"), counting visible builders only.

Hidden and banned builders, hidden projects and projects of hidden or banned owners are
left out of every number here, as on the public pages, so the dashboard shows the
community as people see it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import func, literal, select, union_all

from ..enums import TeamPreference
from ..events.models import Event, EventRegistration
from ..profiles.models import Profile
from ..profiles.queries import visible
from ..projects.models import EventProject, Project
from ..teams.models import ProjectMember

SEEKING = (TeamPreference.looking_for_team, TeamPreference.has_team_open)
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
               .where(EventProject.event_id == event.id, Project.hidden_at.is_(None), visible()))
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


def recent_activity(session, limit: int = 12):
    """Return the latest sign-ups, registrations, project entries and team joins (1 query).

    Rows: (kind, at, profile_id, display_name, username, subject).
    """
    return session.execute(recent_activity_statement(limit)).all()


@cache  # built once per limit: building this union cost more than running it
def recent_activity_statement(limit: int = 12):
    """Return the activity UNION: each part a small query reading its time index newest
    first (``LIMIT limit``), the union ordered again."""
    def part(kind, at, subject, stmt):
        return (stmt.add_columns(literal(kind).label("kind"), at.label("at"),
                                 Profile.id.label("profile_id"), Profile.display_name,
                                 Profile.username, subject.label("subject"))
                .where(visible()).order_by(at.desc()).limit(limit))

    owner = Profile.__table__.alias("owner")
    parts = [
        part("signup", Profile.created_at, literal(None).cast(Profile.username.type),
             select().select_from(Profile)),
        part("registration", EventRegistration.registered_at, Event.name,
             select().select_from(EventRegistration)
             .join(Profile, Profile.id == EventRegistration.profile_id)
             .join(Event, Event.id == EventRegistration.event_id)),
        part("entry", EventProject.submitted_at, Project.name + literal(" → ") + Event.name,
             select().select_from(EventProject)
             .join(Project, Project.id == EventProject.project_id)
             .join(Profile, Profile.id == Project.profile_id)
             .join(Event, Event.id == EventProject.event_id)
             .where(Project.hidden_at.is_(None))),
        part("join", ProjectMember.joined_at, Project.name,
             select().select_from(ProjectMember)
             .join(Profile, Profile.id == ProjectMember.profile_id)
             .join(Project, Project.id == ProjectMember.project_id)
             .join(owner, owner.c.id == Project.profile_id)
             .where(Project.hidden_at.is_(None), owner.c.hidden_at.is_(None),
                    owner.c.banned_at.is_(None))),
    ]
    union = union_all(*[p.subquery().select() for p in parts]).subquery()
    return select(union).order_by(union.c.at.desc()).limit(limit)


ACTIVITY_LABELS = {"signup": "signed up", "registration": "registered for",
                   "entry": "entered", "join": "joined the team of"}
