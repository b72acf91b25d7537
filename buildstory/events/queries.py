"""Event reads: listings, the event page's counts and projects, registrations, exports.

Every public count and list goes through ``profiles.queries.visible()``: hidden or banned
builders, and projects that are hidden or whose owner is, never show or count.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache

from sqlalchemy import and_, bindparam, case, func, select

from ..enums import EventStatus, TeamPreference
from ..errors import NotFound
from ..markdown import meta_description
from ..profiles.models import Profile
from ..profiles.queries import visible
from ..projects.models import EventProject, Project
from ..projects.queries import visible_project
from . import rules
from .models import Event, EventRegistration

PROJECTS_PER_PAGE = 24
PAST_PER_PAGE = 20
ADMIN_PER_PAGE = 50
TEAMED = (TeamPreference.has_team, TeamPreference.has_team_open)



def project_count_column(event_col=Event.id):
    """Return a correlated count of an event's visible entered projects."""
    return (select(func.count()).select_from(EventProject)
            .join(Project, Project.id == EventProject.project_id)
            .join(Profile, Profile.id == Project.profile_id)
            .where(EventProject.event_id == event_col, visible_project())
            .correlate(Event).scalar_subquery())


# The event page's and the dashboard's lookups are built once, their values bound per
# call: building a statement costs more than running these indexed lookups.

@cache
def _by_slug_statement():
    return select(Event).where(Event.slug == bindparam("slug"))


@cache
def _featured_statement():
    return select(Event).where(Event.featured)


@cache
def _registration_statement():
    return select(EventRegistration).where(EventRegistration.event_id == bindparam("event_id"),
                                           EventRegistration.profile_id == bindparam("profile_id"))


def event_by_slug_or_404(session, slug: str, *, include_drafts: bool = False) -> Event:
    """Return the event with ``slug``; NotFound when unknown, or a draft and drafts are hidden."""
    event = session.scalar(_by_slug_statement(), {"slug": slug})
    if event is None or (not include_drafts and not rules.is_public(event)):
        raise NotFound()
    return event


def featured_event(session) -> Event | None:
    """Return the featured event (never a draft), or None."""
    return session.scalar(_featured_statement())


@cache
def _featured_and_registration_statement():
    return (select(Event, EventRegistration)
            .outerjoin(EventRegistration,
                       and_(EventRegistration.event_id == Event.id,
                            EventRegistration.profile_id == bindparam("profile_id")))
            .where(Event.featured))


def featured_event_and_registration(session, profile) -> tuple[Event | None,
                                                                EventRegistration | None]:
    """Return the featured event and ``profile``'s registration for it (one statement);
    ``(None, None)`` without a featured event (the dashboard)."""
    row = session.execute(_featured_and_registration_statement(),
                          {"profile_id": profile.id}).first()
    return (row[0], row[1]) if row else (None, None)


def registration_for(session, event: Event | None, profile) -> EventRegistration | None:
    """Return ``profile``'s registration for ``event``, or None (also when either is None)."""
    if event is None or profile is None:
        return None
    return session.scalar(_registration_statement(),
                          {"event_id": event.id, "profile_id": profile.id})


def participant_counts(session, event_ids) -> dict:
    """Return ``{event id: visible registrants}`` for these events (one statement).

    It counts every registration of these events (tens of thousands for a big one): the
    /events view keeps the answer in the stats cache (``buildstory/cache.py``).
    """
    if not event_ids:
        return {}
    rows = session.execute(
        select(EventRegistration.event_id, func.count())
        .join(Profile, Profile.id == EventRegistration.profile_id)
        .where(EventRegistration.event_id.in_(list(event_ids)), visible())
        .group_by(EventRegistration.event_id)).all()
    return {event_id: count for event_id, count in rows}


# The /events group of each status that is not past: an event in judging is not "live".
LISTING_GROUPS = {EventStatus.active: "live", EventStatus.judging: "judging",
                  EventStatus.open: "upcoming", EventStatus.draft: "drafts"}


def event_listing(session, *, include_drafts: bool, past_page: int = 1,
                  counts=participant_counts) -> dict:
    """Return the /events groups — live (happening now), judging, upcoming, past (one
    page), drafts — with counts.

    Three statements: the current events, one page of past events (newest first), and
    ``counts(session, event ids)`` (the view passes a cached ``participant_counts``).
    """
    statuses = [EventStatus.active, EventStatus.judging, EventStatus.open]
    if include_drafts:
        statuses.append(EventStatus.draft)
    current_events = list(session.scalars(select(Event).where(Event.status.in_(statuses))
                                          .order_by(Event.starts_at, Event.id).limit(100)))
    offset = (max(past_page, 1) - 1) * PAST_PER_PAGE
    past_events = list(session.scalars(select(Event).where(Event.status == EventStatus.complete)
                                       .order_by(Event.ends_at.desc(), Event.id)
                                       .offset(offset).limit(PAST_PER_PAGE + 1)))
    people = counts(session, tuple(e.id for e in current_events + past_events))
    current = [(e, people.get(e.id, 0)) for e in current_events]
    past = [(e, people.get(e.id, 0)) for e in past_events]
    groups = {"live": [], "judging": [], "upcoming": [], "drafts": []}
    for event, count in current:
        groups[LISTING_GROUPS[EventStatus(event.status)]].append((event, count))
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


SUMMARY_CHARS = 140  # a card's one-line description
SUMMARY_SOURCE_CHARS = 600  # enough Markdown source for it


@dataclass(frozen=True, slots=True)
class EnteredProject:
    """What an event page's project card shows of a project."""

    id: uuid.UUID
    slug: str
    name: str
    summary: str  # the description as one line of plain text


@dataclass(frozen=True, slots=True)
class ProjectOwner:
    """What an event page's project card shows of its owner (``avatar`` needs these)."""

    id: uuid.UUID
    username: str | None
    display_name: str
    avatar_hash: str | None
    clerk_image_url: str | None


def entered_projects(session, event: Event, page: int = 1,
                     per_page: int = PROJECTS_PER_PAGE) -> tuple[list, bool]:
    """Return one page of ``(project, owner)`` entered in the event, and whether more follow.

    Plain ``EnteredProject`` / ``ProjectOwner`` values with the card's columns only, not
    ORM objects: loading 48 full rows as entities was a third of the page's time.
    """
    page = max(page, 1)
    rows = session.execute(_entered_statement(), {
        "event_id": event.id, "offset": (page - 1) * per_page, "limit": per_page + 1}).all()
    cards = [(EnteredProject(r[0], r[1], r[2], meta_description(r[8], SUMMARY_CHARS)),
              ProjectOwner(r[3], r[4], r[5], r[6], r[7])) for r in rows[:per_page]]
    return cards, len(rows) > per_page


@cache
def _entered_statement():
    return (select(Project.id, Project.slug, Project.name, Profile.id, Profile.username,
                   Profile.display_name, Profile.avatar_hash, Profile.clerk_image_url,
                   func.left(Project.description, SUMMARY_SOURCE_CHARS))
            .select_from(Project)
            .join(EventProject, EventProject.project_id == Project.id)
            .join(Profile, Profile.id == Project.profile_id)
            .where(EventProject.event_id == bindparam("event_id"), visible_project())
            # project_id (= Project.id) breaks ties so the (event_id, submitted_at,
            # project_id) index returns the page in order and the scan stops after it.
            .order_by(EventProject.submitted_at.desc(), EventProject.project_id.desc())
            .offset(bindparam("offset")).limit(bindparam("limit")))


def public_events(session) -> list[Event]:
    """Return every public event (newest first) — for filters such as the member directory's."""
    return list(session.scalars(_public_events_statement()))


@cache  # built once: the member directory runs it on every page
def _public_events_statement():
    return (select(Event).where(Event.status.in_(rules.PUBLIC_STATUSES))
            .order_by(Event.starts_at.desc()).limit(200))


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


def team_preferences(session, slug: str, profile_ids) -> dict:
    """Return {profile_id: team preference} for these builders in the public event ``slug``."""
    if not profile_ids:
        return {}
    rows = session.execute(_public_registrations(
        select(EventRegistration.profile_id, EventRegistration.team_preference), slug)
        .where(EventRegistration.profile_id.in_(list(profile_ids))))
    return dict(rows.all())


def _public_registrations(stmt, slug):
    """``stmt`` (a SELECT of registration columns) limited to the public event ``slug``."""
    return (stmt.join(Event, Event.id == EventRegistration.event_id)
            .where(Event.slug == slug, Event.status.in_(rules.PUBLIC_STATUSES)))
