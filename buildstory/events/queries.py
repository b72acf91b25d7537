"""Event reads: listings, the event page's counts and projects, registrations, exports.

Every public count and list goes through ``profiles.queries.visible()``: hidden or banned
builders, and projects that are hidden or whose owner is, never show or count.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, case, func, select

from ..enums import EventStatus, TeamPreference
from ..errors import NotFound
from ..profiles.models import Profile
from ..profiles.queries import visible
from ..projects.models import EventProject, Project
from . import rules
from .models import Event, EventRegistration

PROJECTS_PER_PAGE = 24
PAST_PER_PAGE = 20
ADMIN_PER_PAGE = 50
SEEKING = (TeamPreference.looking_for_team, TeamPreference.has_team_open)
TEAMED = (TeamPreference.has_team, TeamPreference.has_team_open)

# Re-exported for other features: the registration and entry rules need no database.
is_registration_open = rules.is_registration_open
accepts_entries = rules.accepts_entries
registration_refusal = rules.registration_refusal


def _visible_project(project=Project, owner=Profile):
    return and_(project.hidden_at.is_(None), visible(owner))


def participant_count_column(event_col=Event.id):
    """Return a correlated count of an event's visible registrants (for listing selects)."""
    return (select(func.count()).select_from(EventRegistration)
            .join(Profile, Profile.id == EventRegistration.profile_id)
            .where(EventRegistration.event_id == event_col, visible())
            .correlate(Event).scalar_subquery())


def project_count_column(event_col=Event.id):
    """Return a correlated count of an event's visible entered projects."""
    return (select(func.count()).select_from(EventProject)
            .join(Project, Project.id == EventProject.project_id)
            .join(Profile, Profile.id == Project.profile_id)
            .where(EventProject.event_id == event_col, _visible_project())
            .correlate(Event).scalar_subquery())


def event_by_slug_or_404(session, slug: str, *, include_drafts: bool = False) -> Event:
    """Return the event with ``slug``; NotFound when unknown, or a draft and drafts are hidden."""
    event = session.scalar(select(Event).where(Event.slug == slug))
    if event is None or (not include_drafts and not rules.is_public(event)):
        raise NotFound()
    return event


def featured_event(session) -> Event | None:
    """Return the featured event (never a draft), or None."""
    return session.scalar(select(Event).where(Event.featured))


def registration_for(session, event: Event | None, profile) -> EventRegistration | None:
    """Return ``profile``'s registration for ``event``, or None (also when either is None)."""
    if event is None or profile is None:
        return None
    return session.scalar(select(EventRegistration).where(
        EventRegistration.event_id == event.id, EventRegistration.profile_id == profile.id))


def event_listing(session, *, include_drafts: bool, past_page: int = 1) -> dict:
    """Return the /events groups — live, upcoming, past (one page), drafts — with counts.

    Two statements: the current events, and one page of past events (newest first).
    """
    statuses = [EventStatus.active, EventStatus.judging, EventStatus.open]
    if include_drafts:
        statuses.append(EventStatus.draft)
    people = participant_count_column().label("participants")
    current = session.execute(select(Event, people).where(Event.status.in_(statuses))
                              .order_by(Event.starts_at, Event.id).limit(100)).all()
    offset = (max(past_page, 1) - 1) * PAST_PER_PAGE
    past = session.execute(select(Event, people).where(Event.status == EventStatus.complete)
                           .order_by(Event.ends_at.desc(), Event.id)
                           .offset(offset).limit(PAST_PER_PAGE + 1)).all()
    groups = {"live": [], "upcoming": [], "drafts": []}
    for event, count in current:
        key = {EventStatus.open: "upcoming", EventStatus.draft: "drafts"}.get(
            EventStatus(event.status), "live")
        groups[key].append((event, count))
    return {**groups, "past": past[:PAST_PER_PAGE], "past_has_next": len(past) > PAST_PER_PAGE,
            "past_page": max(past_page, 1)}


def event_stats(session, event: Event) -> dict:
    """Return sign-ups, projects, solo / team / looking counts and countries (one statement).

    Visible builders and visible projects of visible owners only.
    """
    reg = EventRegistration
    row = session.execute(
        select(func.count().label("signups"),
               func.count().filter(reg.team_preference == TeamPreference.solo).label("solo"),
               func.count().filter(reg.team_preference.in_(TEAMED)).label("team"),
               func.count().filter(reg.team_preference == TeamPreference.looking_for_team)
               .label("looking"),
               func.count(func.distinct(Profile.country)).label("countries"),
               project_count_column(event.id).label("projects"))
        .select_from(reg).join(Profile, Profile.id == reg.profile_id)
        .where(reg.event_id == event.id, visible())).one()
    return dict(row._mapping)


def entered_projects(session, event: Event, page: int = 1,
                     per_page: int = PROJECTS_PER_PAGE) -> tuple[list, bool]:
    """Return one page of ``(project, owner)`` entered in the event, and whether more follow."""
    page = max(page, 1)
    rows = session.execute(
        select(Project, Profile)
        .join(EventProject, EventProject.project_id == Project.id)
        .join(Profile, Profile.id == Project.profile_id)
        .where(EventProject.event_id == event.id, _visible_project())
        .order_by(EventProject.submitted_at.desc(), Project.id)
        .offset((page - 1) * per_page).limit(per_page + 1)).all()
    return [tuple(r) for r in rows[:per_page]], len(rows) > per_page


def registered_profile_ids_subquery(event_id: uuid.UUID, seeking: bool = False):
    """Return a SELECT of the ids of profiles registered for the event (member directory).

    With ``seeking``, only those looking for a team or with a team open to more.
    """
    stmt = select(EventRegistration.profile_id).where(EventRegistration.event_id == event_id)
    if seeking:
        stmt = stmt.where(EventRegistration.team_preference.in_(SEEKING))
    return stmt


def public_events(session) -> list[Event]:
    """Return every public event (newest first) — for filters such as the member directory's."""
    return list(session.scalars(select(Event).where(Event.status.in_(rules.PUBLIC_STATUSES))
                                .order_by(Event.starts_at.desc()).limit(200)))


def admin_events(session, page: int = 1) -> tuple[list, bool]:
    """Return one page of ``(event, registrations, entries)`` for the admin list, and more?"""
    regs = (select(func.count()).where(EventRegistration.event_id == Event.id)
            .correlate(Event).scalar_subquery())
    entries = (select(func.count()).where(EventProject.event_id == Event.id)
               .correlate(Event).scalar_subquery())
    page = max(page, 1)
    order = case((Event.status == EventStatus.draft, 0), else_=1)
    rows = session.execute(select(Event, regs.label("registrations"), entries.label("entries"))
                           .order_by(order, Event.starts_at.desc(), Event.id)
                           .offset((page - 1) * ADMIN_PER_PAGE).limit(ADMIN_PER_PAGE + 1)).all()
    return [tuple(r) for r in rows[:ADMIN_PER_PAGE]], len(rows) > ADMIN_PER_PAGE


def registrant_rows(session, event: Event):
    """Yield (username, display name, team preference, commitment, country, registered at).

    Visible builders only, oldest registration first, streamed from the server in batches.
    """
    stmt = (select(Profile.username, Profile.display_name, EventRegistration.team_preference,
                   EventRegistration.commitment_level, Profile.country,
                   EventRegistration.registered_at)
            .join(Profile, Profile.id == EventRegistration.profile_id)
            .where(EventRegistration.event_id == event.id, visible())
            .order_by(EventRegistration.registered_at, EventRegistration.id)
            .execution_options(yield_per=500))
    yield from session.execute(stmt)


def now_phase(event: Event, now: datetime) -> dict:
    """Return the event's countdown state (see ``rules.countdown``)."""
    return rules.countdown(event, now)
