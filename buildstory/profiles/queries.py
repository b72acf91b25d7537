"""Profile reads: the one visibility filter, the username check, public profiles and the
member directory."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import NamedTuple

from sqlalchemy import (Boolean, Select, bindparam, exists, literal, literal_column, select,
                        union_all)

from .. import storage
from ..enums import ExperienceLevel, UserRole
from ..events.models import Event, EventRegistration
from ..events.rules import PUBLIC_STATUSES, SEEKING
from .models import ModerationState, Profile
from .rules import is_reserved, normalise_username, username_format_error

AVAILABLE, TAKEN, INVALID, CURRENT = "available", "taken", "invalid", "current"


def visible(model=Profile):
    """Return the SQL condition for a profile every visitor may see (not hidden or banned)."""
    return (model.hidden_at.is_(None)) & (model.banned_at.is_(None))


def username_status(session, raw: str | None, current: Profile | None = None) -> tuple[str, str, str]:
    """Return ``(status, normalised name, message)`` for the live check and the submit.

    One indexed lookup at most; reserved names answer "taken" like real ones.
    """
    name = normalise_username(raw)
    if err := username_format_error(name):
        return INVALID, name, err
    if current is not None and current.username == name:
        return CURRENT, name, "This is your current username"
    if is_reserved(name) or session.scalar(_username_taken_statement(), {"name": name}):
        return TAKEN, name, "Username is already taken"
    return AVAILABLE, name, "Available"


@cache
def _username_taken_statement():
    """The live check's one lookup, built once (it runs on every keystroke pause)."""
    return select(exists().where(Profile.username == bindparam("name")))


# --- Settings, avatars and invitee search (appended by the settings work) ----------------

def avatar_image(session, profile_id, digest: str):
    """Return ``(bytes PostgreSQL holds or None, storage key, content_type, is_visible)`` of
    the avatar with this hash, or None."""
    from .models import Avatar

    row = session.execute(
        select(storage.bytes_column(Avatar.data, Avatar.storage_key), Avatar.storage_key,
               Avatar.content_type,
               visible().label("is_visible"))
        .join(Profile, Profile.id == Avatar.profile_id)
        .where(Avatar.profile_id == profile_id, Avatar.hash == digest)).first()
    return tuple(row) if row else None


def invitable_builders(session, q: str | None, *, exclude_ids=(), limit: int = 5) -> list[Profile]:
    """Return up to ``limit`` visible builders who accept invites, matching ``q``.

    ``q`` matches a username prefix or the start of a word of the display name (case-
    and accent-insensitive); 1–2 characters match username prefixes only (index-backed).
    """
    term = Profile.compute_search_text(q, None)
    if not term:
        return []
    match = Profile.username.startswith(term, autoescape=True)
    if len(term) >= 3:  # the trigram index serves the word-start match
        match = match | Profile.search_text.contains(" " + term, autoescape=True)
    stmt = (select(Profile)
            .where(visible(), Profile.username.is_not(None), Profile.allow_invites.is_(True),
                   match)
            .order_by(Profile.username).limit(limit))
    if exclude_ids:
        stmt = stmt.where(Profile.id.not_in(list(exclude_ids)))
    return list(session.scalars(stmt))


# --- Public profile and member directory ------------------------------------------------

DIRECTORY_PAGE_SIZE = 24
LIKE_ESCAPE = "\\"


def public_profile(session, username: str, *, viewer: Profile | None = None,
                   sees_hidden: bool = False) -> Profile | None:
    """Return the builder at ``/profiles/<username>`` if this viewer may see them, else None.

    Everyone sees visible builders; a hidden builder also sees themself; moderators and
    admins (``sees_hidden``) see everyone. The signed-in builder's own page costs no query.
    """
    if viewer is not None and viewer.username == username:
        return viewer
    row = session.execute(_profile_statement(sees_hidden), {"username": username}).first()
    if row is None:
        return None
    # the Mentor badge comes with the profile (a plain attribute, not a column), so the
    # profile page pays no statement for it; ``mentor_badge`` is absent on the viewer's own
    row[0].mentor_badge = bool(row[1])
    return row[0]


# whether the builder has a mentors row (the badge), read with the profile by the mentors
# primary key; SQL text because profiles never import the mentoring feature's models
_MENTOR = literal_column("EXISTS (SELECT 1 FROM mentors m WHERE m.profile_id = profiles.id)",
                         Boolean).label("mentor_badge")


@cache
def _profile_statement(sees_hidden: bool):
    """The profile page's lookup, built once per kind of viewer."""
    condition = Profile.username == bindparam("username")
    if not sees_hidden:
        condition = condition & visible()
    return select(Profile, _MENTOR).where(condition)


@dataclass(frozen=True)
class DirectoryFilters:
    """What the member directory was asked for; invalid values were already dropped.

    ``event`` is a public event's slug (registered builders only); ``seeking`` narrows
    that to builders looking for a team or with a team open to more who allow team
    invites (only with an event).
    """

    q: str = ""
    experience: ExperienceLevel | None = None
    country: str | None = None
    event: str | None = None
    seeking: bool = False
    page: int = 1

    def args(self, **changes) -> dict:
        """Return the query-string arguments for these filters (for links), without blanks."""
        f = replace(self, **changes)
        raw = {"q": f.q, "experience": f.experience, "country": f.country, "event": f.event,
               "seeking": "1" if f.seeking else None, "page": f.page if f.page > 1 else None}
        return {k: str(v) for k, v in raw.items() if v}

    @property
    def active(self) -> bool:
        """True when anything narrows the list (the empty state says so)."""
        return bool(self.q.strip() or self.experience or self.country or self.event
                    or self.seeking)


def search_term(q: str | None) -> str:
    """Return the query normalised like ``profiles.search_text`` (lower-case, no accents,
    control characters dropped, spaces collapsed)."""
    printable = "".join(c if c.isprintable() else " " for c in q or "")
    return " ".join(Profile.compute_search_text(printable, None).split())


def _like_escape(term: str) -> str:
    return (term.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%")
            .replace("_", LIKE_ESCAPE + "_"))


def _search_parts(term: str) -> tuple[str, list[str]]:
    """Return how a normalised query matches: ``("", [])`` for none, ``("prefix",
    [pattern])`` for 1–2 characters, else ``("words", [one LIKE pattern per word])``."""
    if not term:
        return "", []
    if len(term) <= 2:
        return "prefix", [_like_escape(term) + "%"]
    words = term.split(" ")
    parts = words if any(len(w) >= 3 for w in words) else [term]
    return "words", [f"%{_like_escape(part)}%" for part in parts]


@dataclass(frozen=True, slots=True)
class MemberCard(ModerationState):
    """What a directory card (and its moderation panel, for moderators) shows of a
    builder: the card's columns only, not the whole profile — a page loads 25 of them."""

    id: uuid.UUID
    clerk_id: str
    username: str
    display_name: str
    avatar_hash: str | None
    clerk_image_url: str | None
    country: str | None
    region: str | None
    experience_level: ExperienceLevel | None
    role: UserRole
    hidden_at: datetime | None
    banned_at: datetime | None
    created_at: datetime


CARD_COLUMNS = (Profile.id, Profile.clerk_id, Profile.username, Profile.display_name,
                 Profile.avatar_hash, Profile.clerk_image_url, Profile.country, Profile.region, Profile.experience_level,
                 Profile.role, Profile.hidden_at, Profile.banned_at, Profile.created_at)


class _Plan(NamedTuple):
    """One directory request: the statement's shape (cache key) and its values."""

    shape: tuple
    values: dict
    exact: bool  # an exact-username match may be pinned first


def _plan(filters: DirectoryFilters) -> _Plan:
    term = search_term(filters.q)
    mode, patterns = _search_parts(term)
    exact = bool(term) and not username_format_error(term)
    page = max(filters.page, 1)
    # With an exact match pinned first, every later page starts one row earlier; the
    # statement reads one row more than a page on both sides of that, and ``directory``
    # keeps the right ones once it knows whether the exact match exists.
    offset = (page - 1) * DIRECTORY_PAGE_SIZE
    shift = 1 if exact and page > 1 else 0
    values = {"offset": offset - shift, "limit": DIRECTORY_PAGE_SIZE + 1 + shift,
              "experience": filters.experience, "country": filters.country,
              "event": filters.event, "term": term}
    values.update({f"p{i}": pattern for i, pattern in enumerate(patterns)})
    shape = (filters.experience is not None, filters.country is not None,
             filters.event is not None, bool(filters.event and filters.seeking),
             mode, len(patterns), exact)
    return _Plan(shape, values, exact)


def _matching(shape: tuple) -> Select:
    """Return SELECT of every builder the directory shows for this shape (unordered).

    Visible builders with a username only. 1–2 characters match username prefixes
    (``text_pattern_ops`` index); 3 or more match every word of the query inside the
    normalised ``search_text`` (trigram GIN index). Values are bind parameters.
    """
    experience, country, event, seeking, mode, n_patterns, _ = shape
    stmt = select(*CARD_COLUMNS).where(visible(), Profile.username.is_not(None))
    if experience:
        stmt = stmt.where(Profile.experience_level == bindparam("experience"))
    if country:
        stmt = stmt.where(Profile.country == bindparam("country"))
    if event:
        stmt = stmt.where(Profile.id.in_(registrants_of_slug(bindparam("event"), seeking)))
    if seeking:
        # "Allow team invites" off means "not discoverable for team formation".
        stmt = stmt.where(Profile.allow_invites.is_(True))
    column = Profile.username if mode == "prefix" else Profile.search_text
    for i in range(n_patterns):
        stmt = stmt.where(column.like(bindparam(f"p{i}"), escape=LIKE_ESCAPE))
    return stmt


def registrants_of_slug(slug, seeking: bool = False):
    """Return a SELECT of profile ids registered for the public event ``slug`` (the
    directory's Event filter); with ``seeking`` only those looking for a team or with a
    team open to more."""
    stmt = (select(EventRegistration.profile_id)
            .join(Event, Event.id == EventRegistration.event_id)
            .where(Event.slug == slug, Event.status.in_(PUBLIC_STATUSES)))
    if seeking:
        stmt = stmt.where(EventRegistration.team_preference.in_(SEEKING))
    return stmt


@cache
def _directory_statement(shape: tuple):
    """The directory's one statement for a shape, built once (values bound per call).

    Newest first: ordering by ``created_at`` lets PostgreSQL stop after a page when a
    search matches many builders (no relevance sort over every match). When the query
    could be a username, the exact match (one unique-index probe) comes along in the
    same statement, marked ``pinned``, so it can be shown first.
    """
    order = (Profile.created_at.desc(), Profile.id.desc())
    page = (_matching(shape).add_columns(literal(False).label("pinned"))
            .order_by(*order).offset(bindparam("offset")).limit(bindparam("limit")))
    if not shape[-1]:
        return page
    exact = (_matching(shape).add_columns(literal(True).label("pinned"))
             .where(Profile.username == bindparam("term")))
    both = union_all(exact, page.where(Profile.username != bindparam("term"))).subquery()
    return select(both).order_by(both.c.pinned.desc(), both.c.created_at.desc(),
                                 both.c.id.desc())


def directory_statement(filters: DirectoryFilters) -> Select:
    """Return the directory's statement for these filters with its values bound (EXPLAIN)."""
    plan = _plan(filters)
    return _directory_statement(plan.shape).params(plan.values)


def directory(session, filters: DirectoryFilters) -> tuple[list[MemberCard], bool]:
    """Return ``(builders on this page, whether a next page exists)``: an exact username
    match first, then newest first; one statement, index-backed."""
    plan = _plan(filters)
    rows = session.execute(_directory_statement(plan.shape), plan.values).all()
    pinned = [MemberCard(*r[:-1]) for r in rows if r[-1]]
    others = [MemberCard(*r[:-1]) for r in rows if not r[-1]]
    if plan.exact and filters.page > 1 and not pinned:
        others = others[1:]  # no exact match: this page starts where the shift assumed not
    builders = (pinned + others) if filters.page <= 1 else others
    return builders[:DIRECTORY_PAGE_SIZE], len(builders) > DIRECTORY_PAGE_SIZE


def country_counts(session) -> tuple[tuple[str, int], ...]:
    """Return ``((country code, builders), …)`` over the builders the directory shows.

    One statement, read from a partial index on ``country`` that holds directory rows only.
    """
    return tuple((code, n) for code, n in session.execute(_country_counts_statement()))


@cache
def _country_counts_statement():
    from sqlalchemy import func

    return (select(Profile.country, func.count())
            .where(visible(), Profile.username.is_not(None), Profile.country.is_not(None))
            .group_by(Profile.country))
