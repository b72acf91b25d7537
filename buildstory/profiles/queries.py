"""Profile reads: the one visibility filter and the username availability check."""
from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam, exists, select

from .models import Profile
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
    """Return ``(data, content_type, is_visible)`` of the avatar with this hash, or None."""
    from .models import Avatar

    row = session.execute(
        select(Avatar.data, Avatar.content_type, visible().label("is_visible"))
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


# --- Public profile and member directory (appended by the public-profiles work) ----------

from dataclasses import dataclass, replace  # noqa: E402

from sqlalchemy import Select  # noqa: E402

from ..enums import ExperienceLevel  # noqa: E402

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
    return session.scalar(_profile_statement(sees_hidden), {"username": username})


@cache
def _profile_statement(sees_hidden: bool):
    """The profile page's lookup, built once per kind of viewer."""
    condition = Profile.username == bindparam("username")
    if not sees_hidden:
        condition = condition & visible()
    return select(Profile).where(condition)


@dataclass(frozen=True)
class DirectoryFilters:
    """What the member directory was asked for; invalid values were already dropped.

    ``event`` is a public event's slug (registered builders only); ``seeking`` narrows
    that to builders looking for a team or with a team open to more (only with an event).
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


def _matching(filters: DirectoryFilters) -> Select:
    """Return SELECT of every builder the directory shows for these filters (unordered).

    Visible builders with a username only. 1–2 characters match username prefixes
    (``text_pattern_ops`` index); 3 or more match every word of the query inside the
    normalised ``search_text`` (trigram GIN index).
    """
    stmt = select(Profile).where(visible(), Profile.username.is_not(None))
    if filters.experience:
        stmt = stmt.where(Profile.experience_level == filters.experience)
    if filters.country:
        stmt = stmt.where(Profile.country == filters.country)
    if filters.event:
        from ..events.queries import registrants_of_slug  # events imports this module
        stmt = stmt.where(Profile.id.in_(registrants_of_slug(filters.event, filters.seeking)))
    term = search_term(filters.q)
    if 1 <= len(term) <= 2:
        stmt = stmt.where(Profile.username.like(_like_escape(term) + "%", escape=LIKE_ESCAPE))
    elif term:
        words = term.split(" ")
        for part in words if any(len(w) >= 3 for w in words) else [term]:
            stmt = stmt.where(Profile.search_text.like(f"%{_like_escape(part)}%",
                                                       escape=LIKE_ESCAPE))
    return stmt


def exact_match_statement(filters: DirectoryFilters) -> Select | None:
    """Return the SELECT of the builder whose username is exactly the query (shown first),
    or None when the query cannot be a username."""
    term = search_term(filters.q)
    if username_format_error(term):
        return None
    return _matching(filters).where(Profile.username == term)


def directory_statement(filters: DirectoryFilters, *, pinned: bool = False) -> Select:
    """Return the SELECT of one directory page, newest first, one row more than fits.

    ``pinned``: an exact username match is shown first on page 1, so it is left out here
    and every page shifts by one. Ordering by ``created_at`` lets PostgreSQL stop after a
    page when a search matches many builders (no relevance sort over every match).
    """
    stmt = _matching(filters)
    if pinned:
        stmt = stmt.where(Profile.username != search_term(filters.q))
    shift = 1 if pinned else 0
    offset = max((filters.page - 1) * DIRECTORY_PAGE_SIZE - shift, 0)
    limit = DIRECTORY_PAGE_SIZE + 1 - (shift if filters.page == 1 else 0)
    return (stmt.order_by(Profile.created_at.desc(), Profile.id.desc())
            .offset(offset).limit(limit))


def directory(session, filters: DirectoryFilters) -> tuple[list[Profile], bool]:
    """Return ``(builders on this page, whether a next page exists)``: exact username
    match first, then newest first; two indexed queries at most."""
    exact_stmt = exact_match_statement(filters)
    exact = session.scalar(exact_stmt) if exact_stmt is not None else None
    rows = list(session.scalars(directory_statement(filters, pinned=exact is not None)))
    if exact is not None and filters.page == 1:
        rows.insert(0, exact)
    return rows[:DIRECTORY_PAGE_SIZE], len(rows) > DIRECTORY_PAGE_SIZE
