"""Reads for the site-wide pages that span features: the recent activity (the landing
page's, and the admin dashboard's) and the sitemap's chunks.

Every part goes through ``profiles.queries.visible()`` and
``projects.queries.visible_project()``: hidden or banned builders, their projects and
hidden projects never appear; on public pages draft events never appear either.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import String, cast, func, literal, null, select, union_all
from sqlalchemy.orm import aliased

from ..enums import EventStatus
from ..errors import NotFound
from ..hackathon.models import EventSubmission
from ..hackathon.rules import SHOWCASE_STATUSES
from ..events.models import Event, EventRegistration
from ..profiles.models import Profile
from ..profiles.queries import visible
from ..projects.models import EventProject, Project
from ..projects.queries import visible_project
from ..teams.models import ProjectMember
from ..buildlogs import queries as post_queries
from ..buildlogs.models import Post
from ..roadmap import rules as roadmap_rules
from ..roadmap.models import FeatureBoardItem
from ..tools.models import AiTool
from ..tools.queries import listed as listed_tool

ACTIVITY_LIMIT = 10
SITEMAP_CHUNK = 10_000


# --- Recent activity (landing page, admin dashboard) ----------------------------------------

def _activity_part(kind: str, at, subject, subject_slug, extra, extra_slug, stmt, limit: int,
                   public: bool):
    """One kind of activity: its newest ``limit`` rows, read from ``at``'s index."""
    text = String()
    shown = (visible(), Profile.username.is_not(None)) if public else (visible(),)
    return (stmt.add_columns(
        literal(kind, text).label("kind"), at.label("at"), Profile.id.label("id"),
        Profile.display_name.label("display_name"), Profile.username.label("username"),
        Profile.avatar_hash.label("avatar_hash"),
        Profile.clerk_image_url.label("clerk_image_url"), subject.label("subject"),
        subject_slug.label("subject_slug"), extra.label("extra"),
        extra_slug.label("extra_slug"))
        .where(*shown)
        .order_by(at.desc()).limit(limit))


@cache  # built once per limit: building this union cost more than running it
def recent_activity_statement(limit: int = ACTIVITY_LIMIT, *, public: bool = True):
    """Return the SELECT of the newest activity: sign-ups, event registrations, project
    entries and team joins, newest first, at most ``limit`` rows.

    Hidden or banned builders and hidden projects never show (``visible`` /
    ``visible_project``). ``public`` (the landing page) also leaves out draft events and
    builders without a username; the admin dashboard (``public=False``) sees those.

    Each part reads its own time index newest first and stops after ``limit`` rows
    (profiles.created_at, event_registrations.registered_at, event_projects.submitted_at,
    project_members.joined_at); the union of at most 4 × ``limit`` rows is sorted again.
    """
    none = null().cast(String())
    owner = aliased(Profile)
    event_shown = (Event.status != EventStatus.draft,) if public else ()
    parts = [
        _activity_part("signup", Profile.created_at, none, none, none, none,
                       select().select_from(Profile), limit, public),
        _activity_part("registration", EventRegistration.registered_at, Event.name, Event.slug,
                       none, none,
                       select().select_from(EventRegistration)
                       .join(Profile, Profile.id == EventRegistration.profile_id)
                       .join(Event, Event.id == EventRegistration.event_id)
                       .where(*event_shown), limit, public),
        _activity_part("entry", EventProject.submitted_at, Project.name, Project.slug,
                       Event.name, Event.slug,
                       select().select_from(EventProject)
                       .join(Project, Project.id == EventProject.project_id)
                       .join(Profile, Profile.id == Project.profile_id)
                       .join(Event, Event.id == EventProject.event_id)
                       .where(*event_shown, visible_project()), limit, public),
        _activity_part("join", ProjectMember.joined_at, Project.name, Project.slug, none, none,
                       select().select_from(ProjectMember)
                       .join(Profile, Profile.id == ProjectMember.profile_id)
                       .join(Project, Project.id == ProjectMember.project_id)
                       .join(owner, owner.id == Project.profile_id)
                       .where(visible_project(Project, owner)), limit, public),
    ]
    union = union_all(*[p.subquery().select() for p in parts]).subquery()
    return select(union).order_by(union.c.at.desc(), union.c.kind).limit(limit)


def recent_activity(session, limit: int = ACTIVITY_LIMIT, *, public: bool = True) -> list:
    """Return the newest activity rows (one statement; ``public`` as in
    ``recent_activity_statement``).

    Rows have ``kind`` (signup, registration, entry, join), ``at``, the builder's ``id``,
    ``display_name``, ``username``, ``avatar_hash`` and ``clerk_image_url``, and the ``subject`` / ``extra``
    names and slugs (event, project; for an entry the project then the event).
    """
    return list(session.execute(recent_activity_statement(limit, public=public)).all())


# --- Sitemap -------------------------------------------------------------------------------

@dataclass(frozen=True)
class SitemapKind:
    """A kind of public page in the sitemap: its keyset column and its filter."""

    name: str
    key: object
    updated: object
    # Submissions: the key is the id as text (chunks name it), ``order`` the indexed id the
    # keyset reads, and ``path`` what follows /events/ in the page URL.
    order: object = None
    path: object = None

    def base(self):
        """Return the SELECT of every public row of this kind (unordered, no columns yet)."""
        if self.name == "profiles":
            return select().select_from(Profile).where(visible(), Profile.username.is_not(None))
        if self.name == "projects":
            return (select().select_from(Project).join(Profile, Profile.id == Project.profile_id)
                    .where(visible_project()))
        if self.name == "submissions":  # the visible submission pages of open showcases
            return (select().select_from(EventSubmission)
                    .join(Project, Project.id == EventSubmission.project_id)
                    .join(Profile, Profile.id == Project.profile_id)
                    .join(Event, Event.id == EventSubmission.event_id)
                    .where(visible_project(), Event.status.in_(SHOWCASE_STATUSES)))
        if self.name == "tools":  # visible tool pages: not hidden, not merged
            return select().select_from(AiTool).where(listed_tool())
        if self.name == "posts":  # build-log posts anyone may see (their one filter)
            return post_queries.visible_select()
        if self.name == "ideas":  # roadmap ideas in a public status
            return select().select_from(FeatureBoardItem).where(
                FeatureBoardItem.status.in_(roadmap_rules.PUBLIC))
        return select().select_from(Event).where(Event.status != EventStatus.draft)

    def start(self, value: str):
        """Return a chunk's first key as the keyset column reads it; NotFound if malformed."""
        if self.order is None:
            return value
        try:
            return uuid.UUID(value)
        except ValueError:
            raise NotFound() from None


SITEMAP_KINDS = {
    "profiles": SitemapKind("profiles", Profile.username, Profile.updated_at),
    "projects": SitemapKind("projects", Project.slug, Project.updated_at),
    "events": SitemapKind("events", Event.slug, Event.updated_at),
    "submissions": SitemapKind("submissions", cast(EventSubmission.id, String),
                               EventSubmission.updated_at, order=EventSubmission.id,
                               path=Event.slug + "/showcase/" + Project.slug),
    "tools": SitemapKind("tools", AiTool.slug, AiTool.updated_at),
    "posts": SitemapKind("posts", cast(Post.id, String), Post.updated_at),
    "ideas": SitemapKind("ideas", FeatureBoardItem.slug, FeatureBoardItem.updated_at),
}


@dataclass(frozen=True)
class Chunk:
    """One sitemap file: its kind, number (from 1), first key and newest change."""

    kind: str
    number: int
    first: str
    lastmod: datetime | None


def sitemap_chunks(session, size: int = SITEMAP_CHUNK, kinds=tuple(SITEMAP_KINDS)) -> list[Chunk]:
    """Return the chunks of every kind (one statement): consecutive runs of ``size`` keys.

    Each chunk is described by its first key, so serving it is a keyset read
    (``key >= first ORDER BY key LIMIT size``) on the key's unique index, never an OFFSET.
    """
    parts = []
    for name in kinds:
        kind = SITEMAP_KINDS[name]
        numbered = kind.base().add_columns(
            kind.key.label("key"), kind.updated.label("updated"),
            ((func.row_number().over(order_by=kind.key) - 1) // size).label("chunk")).subquery()
        parts.append(select(literal(name, String()).label("kind"), numbered.c.chunk,
                            func.min(numbered.c.key).label("first"),
                            func.max(numbered.c.updated).label("lastmod"))
                     .group_by(numbered.c.chunk))
    union = union_all(*parts).subquery()
    rows = session.execute(select(union).order_by(union.c.kind, union.c.chunk)).all()
    order = {name: i for i, name in enumerate(SITEMAP_KINDS)}
    chunks = [Chunk(r.kind, r.chunk + 1, r.first, r.lastmod) for r in rows]
    return sorted(chunks, key=lambda c: (order[c.kind], c.number))


def sitemap_entries(session, kind_name: str, start: str | None,
                    size: int = SITEMAP_CHUNK) -> list[tuple[str, datetime]]:
    """Return up to ``size`` ``(key, updated_at)`` of one kind from ``start`` on, by key
    (for submissions the key is the URL path after /events/, read in id order).

    A keyset read on the key's unique index (username, slug or submission id).
    """
    kind = SITEMAP_KINDS[kind_name]
    order = kind.order if kind.order is not None else kind.key
    stmt = kind.base().add_columns(kind.path if kind.path is not None else kind.key, kind.updated)
    if start is not None:
        stmt = stmt.where(order >= kind.start(start))
    return [tuple(r) for r in session.execute(stmt.order_by(order).limit(size)).all()]


def chunk_start(session, kind_name: str, number: int, size: int = SITEMAP_CHUNK) -> str | None:
    """Return the first key of chunk ``number`` of a kind, or None when there is no such
    chunk (for a chunk URL that lost its ``from``; the index always gives it)."""
    for chunk in sitemap_chunks(session, size, kinds=(kind_name,)):
        if chunk.number == number:
            return chunk.first
    return None

