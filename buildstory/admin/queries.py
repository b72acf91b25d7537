"""Admin reads: the user list, one user's records, and the audit log.

Every function is one or two statements whatever the data size; lists are paginated.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import and_, func, literal, or_, select, true, union
from sqlalchemy.orm import aliased

from ..audit import AuditLog
from .audit_text import ACTION_LABELS
from ..enums import UserRole
from ..events.models import Event, EventRegistration
from ..profiles.models import Profile
from ..profiles.queries import CARD_COLUMNS, MemberCard, visible
from ..projects.models import Project
from ..teams.models import ProjectMember, TeamInvite

PER_PAGE = 50
# The user list pages 25 rows: each row carries a full moderation panel (three forms),
# and 50 of them were two thirds of the page's time (README "Performance").
USERS_PER_PAGE = 25
STATUSES = ("all", "active", "hidden", "banned")
STATUS_LABELS = {"all": "All", "active": "Active", "hidden": "Hidden", "banned": "Banned"}

MAX_PAGE = 100_000


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_condition(q: str | None):
    """Return the condition for a username / display-name search, or None for no search.

    1–2 characters match username prefixes; 3 or more use the trigram-indexed
    ``search_text`` (lower-case, accents stripped), as the member directory does.
    """
    norm = Profile.compute_search_text((q or "").strip()[:100], None).strip()
    if not norm:
        return None
    pattern = _like_escape(norm)
    if len(norm) < 3:
        return Profile.username.like(pattern + "%", escape="\\")
    return Profile.search_text.like(f"%{pattern}%", escape="\\")


def status_condition(status: str):
    """Return the condition for a status tab (banned wins over hidden)."""
    return {
        "active": visible(),
        "hidden": Profile.hidden_at.is_not(None) & Profile.banned_at.is_(None),
        "banned": Profile.banned_at.is_not(None),
    }.get(status, true())


@dataclass
class UserList:
    rows: list
    counts: dict
    page: int
    has_next: bool


# A status tab counts at most this many builders and shows "1,000+" beyond: an exact count
# read every match (415 ms for "ana" among a million builders), a bounded one stops early.
TAB_COUNT_CAP = 1_000


def tab_count(n: int) -> str:
    """A tab's count as shown: ``"1,000+"`` past the cap."""
    return f"{TAB_COUNT_CAP:,}+" if n > TAB_COUNT_CAP else f"{n:,}"


def user_counts(session, *, q: str | None, role: str | None) -> dict[str, int]:
    """Return the status tabs' counts (All / Active / Hidden / Banned) for a search (1 query),
    each counting at most ``TAB_COUNT_CAP + 1`` builders (shown as "1,000+").

    Each count reads a bounded subquery; the Hidden and Banned ones read the small partial
    indexes of hidden and banned builders. The view also keeps them in the stats cache
    (``buildstory/cache.py``).
    """
    where = [c for c in (search_condition(q),) if c is not None]
    if role in UserRole.__members__:
        where.append(Profile.role == UserRole(role))

    def bounded(status):
        inner = (select(literal(1)).select_from(Profile).where(*where, status_condition(status))
                 .limit(TAB_COUNT_CAP + 1).subquery())
        return select(func.count()).select_from(inner).scalar_subquery()

    counts_row = session.execute(select(*[bounded(s) for s in STATUSES])).one()
    return dict(zip(STATUSES, counts_row))


def user_list(session, *, q: str | None, status: str, role: str | None, page: int,
              counts: dict[str, int] | None = None) -> UserList:
    """Return one page (25) of profiles, newest first, and the status-tab counts
    (``counts`` when the caller has them, e.g. from the stats cache; else counted here)."""
    where = [c for c in (search_condition(q),) if c is not None]
    if role in UserRole.__members__:
        where.append(Profile.role == UserRole(role))
    if counts is None:
        counts = user_counts(session, q=q, role=role)
    # The row's columns only (``MemberCard``), not whole profiles: loading 51 entities
    # was a fifth of the page's time.
    rows = [MemberCard(*r) for r in session.execute(
        select(*CARD_COLUMNS).where(*where, status_condition(status))
        .order_by(Profile.created_at.desc(), Profile.id.desc())
        .offset((page - 1) * USERS_PER_PAGE).limit(USERS_PER_PAGE + 1))]
    return UserList(rows=rows[:USERS_PER_PAGE], counts=counts, page=page,
                    has_next=len(rows) > USERS_PER_PAGE)


def registrations_of(session, profile_id: uuid.UUID, limit: int = PER_PAGE):
    """Return (registration, event) pairs of one builder, newest first."""
    return session.execute(
        select(EventRegistration, Event).join(Event, Event.id == EventRegistration.event_id)
        .where(EventRegistration.profile_id == profile_id)
        .order_by(EventRegistration.registered_at.desc()).limit(limit)).all()


def projects_of(session, profile_id: uuid.UUID, limit: int = PER_PAGE):
    """Return (project, is_owner) for projects the builder owns or is a member of."""
    ids = union(select(Project.id).where(Project.profile_id == profile_id),
                select(ProjectMember.project_id).where(ProjectMember.profile_id == profile_id))
    return session.execute(
        select(Project, (Project.profile_id == profile_id).label("is_owner"))
        .where(Project.id.in_(ids))
        .order_by(Project.created_at.desc()).limit(limit)).all()


def invites_of(session, profile_id: uuid.UUID, limit: int = PER_PAGE):
    """Return invites the builder sent or received, with project and people names."""
    sender, recipient = aliased(Profile), aliased(Profile)
    return session.execute(
        select(TeamInvite, Project.name.label("project_name"),
               sender.display_name.label("sender_name"),
               recipient.display_name.label("recipient_name"))
        .join(Project, Project.id == TeamInvite.project_id)
        .join(sender, sender.id == TeamInvite.sender_id)
        .outerjoin(recipient, recipient.id == TeamInvite.recipient_id)
        .where(or_(TeamInvite.sender_id == profile_id, TeamInvite.recipient_id == profile_id))
        .order_by(TeamInvite.created_at.desc()).limit(limit)).all()


def _person_match(id_col, name_col, text: str):
    """Rows whose actor/target is a profile matching ``text``, or whose name snapshot does."""
    cond = search_condition(text)
    snapshot = name_col.ilike(f"%{_like_escape(text.strip()[:100])}%", escape="\\")
    if cond is None:
        return snapshot
    return or_(id_col.in_(select(Profile.id).where(cond)), snapshot)


def audit_entries(session, *, action: str | None = None, actor: str | None = None,
                  target: str | None = None, person_id: uuid.UUID | None = None,
                  page: int = 1, per_page: int | None = PER_PAGE):
    """Return (rows, has_next): audit rows newest first, each with link ids of the people
    involved whose profiles still exist (``actor_link`` / ``target_link``); with
    ``per_page=None`` every matching row (the CSV export)."""
    actor_p, target_p = aliased(Profile), aliased(Profile)
    stmt = (select(AuditLog, actor_p.id.label("actor_link"), target_p.id.label("target_link"))
            .outerjoin(actor_p, actor_p.id == AuditLog.actor_profile_id)
            .outerjoin(target_p, target_p.id == AuditLog.target_profile_id))
    if action in ACTION_LABELS:
        stmt = stmt.where(AuditLog.action == action)
    if actor and actor.strip():
        stmt = stmt.where(_person_match(AuditLog.actor_profile_id, AuditLog.actor_name, actor))
    if target and target.strip():
        stmt = stmt.where(_person_match(AuditLog.target_profile_id, AuditLog.target_name, target))
    if person_id is not None:
        stmt = stmt.where(or_(AuditLog.actor_profile_id == person_id,
                              AuditLog.target_profile_id == person_id))
    if per_page is None:  # the CSV export: every matching row, streamed by the caller
        return session.execute(stmt.order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
                               .execution_options(yield_per=500)), False
    rows = session.execute(stmt.order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
                           .offset((page - 1) * per_page).limit(per_page + 1)).all()
    return rows[:per_page], len(rows) > per_page


def deleted_entry(session, entry_id) -> AuditLog | None:
    """Return the delete_user audit row with this id (the "deleted" confirmation), or None."""
    try:
        entry_id = uuid.UUID(str(entry_id))
    except ValueError:
        return None
    return session.scalar(select(AuditLog).where(and_(AuditLog.id == entry_id,
                                                      AuditLog.action == literal("delete_user"))))


def profile_with_mentor(session, profile_id):
    """``(profile, mentors row or None)`` for the admin user page in one statement (the
    page's Mentor section needs the row), or None when there is no such builder."""
    from ..mentoring.models import Mentor
    row = session.execute(select(Profile, Mentor)
                          .outerjoin(Mentor, Mentor.profile_id == Profile.id)
                          .where(Profile.id == profile_id)).first()
    return None if row is None else (row[0], row[1])
