"""Project reads: the public-project filter, the slug check, the list and the page's parts.

Every public list of projects joins the owner and uses ``visible_project()``; every
function here runs a constant number of statements whatever the data size.
"""
from __future__ import annotations

import uuid
from functools import cache

from sqlalchemy import (Integer, and_, bindparam, exists, false, func, literal, or_, select, true,
                        union, union_all)
from sqlalchemy.orm import contains_eager, joinedload

from ..events.models import Event, EventRegistration
from ..enums import EventStatus
from ..events.rules import ENTRY_STATUSES, PUBLIC_STATUSES
from ..profiles.models import Profile
from ..profiles.queries import visible
from ..teams.models import OwnershipRequest, ProjectMember
from .models import EventProject, Project, ProjectEvent
from .rules import SLUG_CURRENT, SLUG_MAX, SLUG_TAKEN, normalise_slug, slug_format_error

AVAILABLE, TAKEN, INVALID, CURRENT = "available", "taken", "invalid", "current"
PER_PAGE = 24
HISTORY_PER_PAGE = 20
YOURS_LIMIT = 50


def visible_project(project=Project, owner=Profile):
    """Return the SQL condition for a project anyone may see (the query must join its owner).

    Not hidden, and the owner neither hidden nor banned (``profiles.queries.visible``).
    """
    return and_(project.hidden_at.is_(None), visible(owner))


def slug_status(session, raw: str | None, project=None) -> tuple[str, str, str]:
    """Return ``(status, normalised slug, message)`` for the live check and the submit.

    ``project`` is the project being edited (or its id): its own slug answers
    "current". One indexed lookup at most.
    """
    slug = normalise_slug(raw)
    if err := slug_format_error(slug):
        return INVALID, slug, err
    found = session.scalar(select(Project.id).where(Project.slug == slug))
    if found is None:
        return AVAILABLE, slug, "Available"
    project_id = getattr(project, "id", project)
    if project_id is not None and found == project_id:
        return CURRENT, slug, SLUG_CURRENT
    return TAKEN, slug, SLUG_TAKEN


def free_slug(session, base: str, project=None) -> str:
    """Return ``base``, or when another project has it the first free ``base-2``,
    ``base-3``… (for a Project URL made from the name, which the builder did not type).
    One indexed lookup."""
    project_id = getattr(project, "id", project)
    stem = base[:SLUG_MAX - 6].rstrip("-")
    pattern = _escape_like(stem) + "-%"
    query = select(Project.slug).where(
        (Project.slug == base) | Project.slug.like(pattern, escape="\\"))
    if project_id is not None:
        query = query.where(Project.id != project_id)
    taken = set(session.scalars(query))
    if base not in taken:
        return base
    n = 2
    while f"{stem}-{n}" in taken:
        n += 1
    return f"{stem}-{n}"


def parse_uuid(raw: str | None) -> uuid.UUID | None:
    """Return the UUID in ``raw`` or None when it is empty or malformed."""
    try:
        return uuid.UUID(str(raw)) if raw else None
    except ValueError:
        return None


def project_for_page(session, slug: str) -> Project | None:
    """Return the project with its owner and members (with their profiles) loaded, or None.

    One statement: teams are small (TEAM_SIZE_LIMIT), so joining the members is cheap.
    """
    return session.execute(_page_statement(), {"slug": slug}).unique().scalar_one_or_none()


# The project page's statements are built once and their values bound per call:
# building them (eager-loading options, a union) cost more than running them.

@cache
def _page_statement():
    return (select(Project).join(Project.owner).options(
            contains_eager(Project.owner),
            joinedload(Project.members).joinedload(ProjectMember.profile),
            joinedload(Project.pending_ownership_request)
            .joinedload(OwnershipRequest.requester))
            .where(Project.slug == bindparam("slug")))


@cache
def _events_panel_statement(with_enterable: bool):
    project_id = bindparam("project_id")
    parts = [select(EventProject.event_id.label("event_id"), true().label("entered"))
             .where(EventProject.project_id == project_id)]
    if with_enterable:
        in_it = exists().where(EventProject.event_id == EventRegistration.event_id,
                               EventProject.project_id == project_id)
        parts.append(
            select(EventRegistration.event_id, false())
            .join(Event, Event.id == EventRegistration.event_id)
            .where(EventRegistration.profile_id == bindparam("viewer_id"),
                   Event.status.in_(ENTRY_STATUSES), ~in_it))
    found = union_all(*parts).subquery()
    return (select(Event, found.c.entered).join(found, found.c.event_id == Event.id)
            .where(Event.status != EventStatus.draft)
            .order_by(Event.starts_at.desc(), Event.name).limit(100))


def events_panel(session, project: Project, viewer: Profile | None = None
                 ) -> tuple[list[Event], list[Event]]:
    """Return ``(entered, enterable)`` events of the project page in one statement.

    ``entered``: the public events the project is entered in, latest first.
    ``enterable`` (only when a ``viewer`` is given, i.e. someone on the team): events the
    viewer is registered for that take entries (open or active) and that the project is
    not in yet, soonest first.
    """
    params = {"project_id": project.id}
    if viewer is not None:
        params["viewer_id"] = viewer.id
    rows = session.execute(_events_panel_statement(viewer is not None), params).all()
    entered = [event for event, is_entry in rows if is_entry]
    enterable = [event for event, is_entry in reversed(rows) if not is_entry]
    return entered, enterable


def history(session, project: Project, page: int = 1) -> tuple[list[ProjectEvent], bool]:
    """Return one page of the team history (newest first) and whether an older page exists."""
    page = max(1, page)
    rows = list(session.scalars(
        select(ProjectEvent).where(ProjectEvent.project_id == project.id)
        .order_by(ProjectEvent.created_at.desc(), ProjectEvent.id.desc())
        .offset((page - 1) * HISTORY_PER_PAGE).limit(HISTORY_PER_PAGE + 1)))
    return rows[:HISTORY_PER_PAGE], len(rows) > HISTORY_PER_PAGE


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _text_matches(q: str | None):
    """Return the case-insensitive search of names and descriptions (each trigram-indexed,
    so PostgreSQL ORs two index scans), or None for an empty query."""
    q = " ".join((q or "").split())[:100]
    if not q:
        return None
    pattern = f"%{_escape_like(q)}%"
    return or_(Project.name.ilike(pattern, escape="\\"),
               Project.description.ilike(pattern, escape="\\"))


def _filtered(stmt, q, event_id, include_hidden):
    if not include_hidden:
        stmt = stmt.where(visible_project())
    if (match := _text_matches(q)) is not None:
        stmt = stmt.where(match)
    if event_id is not None:
        stmt = stmt.where(exists().where(EventProject.project_id == Project.id,
                                         EventProject.event_id == event_id))
    return stmt


def list_projects(session, *, q: str | None = None, event_id=None, page: int = 1,
                  include_hidden: bool = False) -> tuple[list[Project], bool]:
    """Return one page of projects (owners loaded), newest first, and whether more follow.

    ``q`` matches names and descriptions; ``event_id`` keeps the projects entered in that
    event. Only visible projects unless ``include_hidden`` (moderators, who see badges).
    """
    page = max(1, page)
    stmt = select(Project).join(Project.owner).options(contains_eager(Project.owner))
    rows = list(session.scalars(
        _filtered(stmt, q, event_id, include_hidden)
        .order_by(Project.created_at.desc(), Project.id.desc())
        .offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1)))
    return rows[:PER_PAGE], len(rows) > PER_PAGE


def count_projects(session, *, q: str | None = None, event_id=None,
                   include_hidden: bool = False) -> int:
    """Return how many projects ``list_projects`` pages through with the same filters."""
    stmt = select(func.count()).select_from(Project).join(Project.owner)
    return session.scalar(_filtered(stmt, q, event_id, include_hidden))


def events_with_entries(session) -> list[Event]:
    """Return the public events that have entries, newest first (the list's Event filter)."""
    return list(session.scalars(
        select(Event).where(Event.status != EventStatus.draft,
                            exists().where(EventProject.event_id == Event.id))
        .order_by(Event.starts_at.desc())))


def projects_of(session, profile: Profile, *, q: str | None = None,
                limit: int = YOURS_LIMIT) -> list[Project]:
    """Return the projects ``profile`` owns or has joined (owners loaded), newest first.

    Their own hidden projects included: the page badges them. The ids come from a UNION
    of two index lookups (owner, membership), so only their projects are read and sorted.
    The statement is built once (it runs on every dashboard); ``params`` binds the values.
    """
    q = " ".join((q or "").split())[:100]
    values = {"profile_id": profile.id, "limit": limit}
    if q:
        values["name"] = f"%{_escape_like(q)}%"
    return list(session.scalars(_projects_of_statement(bool(q)).params(values)))


@cache
def _projects_of_statement(with_name: bool):
    profile_id = bindparam("profile_id")
    ids = union(select(Project.id).where(Project.profile_id == profile_id),
                select(ProjectMember.project_id).where(ProjectMember.profile_id == profile_id))
    stmt = (select(Project).join(Project.owner).options(contains_eager(Project.owner))
            .where(Project.id.in_(ids)))
    if with_name:
        stmt = stmt.where(or_(Project.name.ilike(bindparam("name"), escape="\\"),
                              Project.description.ilike(bindparam("name"), escape="\\")))
    return (stmt.order_by(Project.created_at.desc(), Project.id.desc())
            .limit(bindparam("limit", type_=Integer)))


# --- A builder's portfolio (their public profile) ------------------------------------------

PORTFOLIO_LIMIT = 12  # on the profile page; "Show all" pages the rest
PORTFOLIO_PER_PAGE = 24


@cache
def _portfolio_statement():
    """Visible projects ``profile_id`` owns or joined, with the role, newest involvement
    first: owned since the project's creation, joined since joining (one statement; each
    half of the UNION is an index probe by profile)."""
    owned = select(Project.id.label("project_id"), literal("owner").label("role"),
                   Project.created_at.label("since")).where(
        Project.profile_id == bindparam("profile_id"))
    joined = select(ProjectMember.project_id, literal("member"), ProjectMember.joined_at).where(
        ProjectMember.profile_id == bindparam("profile_id"))
    mine = union_all(owned, joined).subquery()
    return (select(Project.id, Project.name, Project.slug, Project.description,
                   mine.c.role, mine.c.since)
            .join(mine, mine.c.project_id == Project.id)
            .join(Profile, Profile.id == Project.profile_id)
            .where(visible_project())
            .order_by(mine.c.since.desc(), Project.id)
            .offset(bindparam("offset")).limit(bindparam("limit")))


def portfolio_projects(session, profile_id, *, page: int = 1,
                       per_page: int = PORTFOLIO_LIMIT) -> tuple[list, bool]:
    """Return ``(rows, more)``: one page of the builder's visible projects (``name``,
    ``slug``, ``description``, ``role`` "owner"/"member", ``since``) and whether more exist.
    Hidden projects and projects of hidden or banned owners never show."""
    page = max(1, page)
    rows = session.execute(_portfolio_statement(),
                           {"profile_id": profile_id, "offset": (page - 1) * per_page,
                            "limit": per_page + 1}).all()
    return rows[:per_page], len(rows) > per_page


@cache
def _portfolio_events_statement():
    """The public events ``profile_id`` registered for, newest first, each with the
    visible project of theirs (owned or joined) entered there, if any (a LATERAL probe)."""
    pid = bindparam("profile_id")
    # Start from the builder's own few projects and probe their entries, rather than
    # checking every project entered in the event for the builder's membership.
    mine = union_all(select(Project.id).where(Project.profile_id == pid),
                     select(ProjectMember.project_id).where(ProjectMember.profile_id == pid))
    entered = (select(Project.name.label("project_name"), Project.slug.label("project_slug"))
               .join(EventProject, EventProject.project_id == Project.id)
               .join(Profile, Profile.id == Project.profile_id)
               .where(EventProject.event_id == Event.id, Project.id.in_(mine), visible_project())
               .order_by(EventProject.submitted_at, Project.id).limit(1)
               .lateral("entered"))
    return (select(Event.id, Event.name, Event.slug, Event.status, Event.featured,
                   Event.starts_at, entered.c.project_name, entered.c.project_slug)
            .join(EventRegistration, EventRegistration.event_id == Event.id)
            .outerjoin(entered, true())
            .where(EventRegistration.profile_id == pid, Event.status.in_(PUBLIC_STATUSES))
            .order_by(Event.starts_at.desc(), Event.id)
            .offset(bindparam("offset")).limit(bindparam("limit")))


def portfolio_events(session, profile_id, *, page: int = 1,
                     per_page: int = PORTFOLIO_LIMIT) -> tuple[list, bool]:
    """Return ``(rows, more)``: one page of the public events the builder registered for
    (``name``, ``slug``, ``status``, ``starts_at``, and ``project_name``/``project_slug``
    of the visible project they entered there) and whether more exist. Drafts never show."""
    page = max(1, page)
    rows = session.execute(_portfolio_events_statement(),
                           {"profile_id": profile_id, "offset": (page - 1) * per_page,
                            "limit": per_page + 1}).all()
    return rows[:per_page], len(rows) > per_page
