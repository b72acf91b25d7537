"""Team reads: the invite inbox, sent invites, the header count, a project's team section.

Invites received are shown only while their project is public (not hidden, owner
neither hidden nor banned): one condition, ``_received``, serves the inbox, the header
count and loading an invite to answer it, so they always agree. Every function runs a
constant number of statements.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload

from ..enums import InviteStatus, InviteType, JoinRequestStatus
from ..errors import NotFound
from ..profiles.models import Profile
from ..profiles.queries import invitable_builders
from ..projects import access as project_access
from ..projects.models import Project
from ..projects.queries import visible_project
from .models import JoinRequest, OwnershipRequest, ProjectMember, TeamInvite
from .services import hash_token, unexpired

LIST_LIMIT = 50
SEARCH_MIN = 2
SEARCH_LIMIT = 5


def _received_by(recipient_id, now, owner) -> list:
    """Return the conditions for pending direct invites to ``recipient_id`` (or a bind
    parameter standing for one) on public projects."""
    return [TeamInvite.recipient_id == recipient_id, TeamInvite.type == InviteType.direct,
            TeamInvite.status == InviteStatus.pending, unexpired(now),
            visible_project(Project, owner)]


# The header badge's count runs on every signed-in page and the dashboard lists the
# invites: both statements are built once, their values bound per call (building them
# cost several times more than running them).

def _pending_count(recipient_id, now):
    """The number of pending invites ``recipient_id`` may answer plus the pending join
    requests to the projects they own (from visible builders), as one column expression:
    two scalar subqueries that correlate straight to the statement using them."""
    owner = aliased(Profile)
    invites = (select(func.count(TeamInvite.id))
               .join(Project, Project.id == TeamInvite.project_id)
               .join(owner, owner.id == Project.profile_id)
               .where(*_received_by(recipient_id, now, owner))).scalar_subquery()
    return invites + _requests_to_count(recipient_id, now)


def _requests_to(owner_id, now, requester) -> list:
    """Conditions for pending, unexpired join requests to ``owner_id``'s projects from
    visible builders (the query joins Project and the requester as ``requester``)."""
    return [Project.profile_id == owner_id, JoinRequest.status == JoinRequestStatus.pending,
            JoinRequest.expires_at > now, Project.hidden_at.is_(None),
            requester.hidden_at.is_(None), requester.banned_at.is_(None)]


def _requests_to_count(owner_id, now):
    requester = aliased(Profile)
    return (select(func.count(JoinRequest.id))
            .join(Project, Project.id == JoinRequest.project_id)
            .join(requester, requester.id == JoinRequest.requester_id)
            .where(*_requests_to(owner_id, now, requester))).scalar_subquery()


@cache
def _pending_count_statement():
    return select(_pending_count(bindparam("recipient_id"), bindparam("now")))


def pending_count_column(recipient_id, now):
    """The pending invite count of ``recipient_id`` (a column or bind parameter) as a
    scalar subquery: the session lookup of signed-in page views carries the header badge's
    count this way, saving a round trip per page."""
    return _pending_count(recipient_id, now)


@cache
def _received_statement():
    owner, sender = aliased(Profile), aliased(Profile)
    stmt = _with_project_and_people(select(TeamInvite), owner, sender)
    return (stmt.where(*_received_by(bindparam("recipient_id"), bindparam("now"), owner))
            .order_by(TeamInvite.created_at.desc(), TeamInvite.id).limit(LIST_LIMIT))


def pending_invite_count(session, profile: Profile, now: datetime) -> int:
    """Return the number of pending invites ``profile`` may answer (the header badge)."""
    return session.scalar(_pending_count_statement(),
                          {"recipient_id": profile.id, "now": now})


def _with_project_and_people(stmt, owner, sender):
    return (stmt.join(TeamInvite.project).join(owner, Project.owner)
            .join(sender, TeamInvite.sender)
            .options(contains_eager(TeamInvite.project).contains_eager(Project.owner.of_type(owner)),
                     contains_eager(TeamInvite.sender.of_type(sender))))


def received_invites(session, profile: Profile, now: datetime) -> list[TeamInvite]:
    """Return the newest pending invites to ``profile`` (≤ 50) with project and sender loaded."""
    return list(session.scalars(_received_statement(),
                                {"recipient_id": profile.id, "now": now}))


def join_requests_received(session, profile: Profile, now: datetime) -> list[JoinRequest]:
    """The newest pending join requests to ``profile``'s projects (≤ 50), project and
    requester loaded; requests of builders now hidden or banned are not listed."""
    return list(session.scalars(
        select(JoinRequest).join(Project, Project.id == JoinRequest.project_id)
        .join(Profile, Profile.id == JoinRequest.requester_id)
        .options(contains_eager(JoinRequest.project), contains_eager(JoinRequest.requester))
        .where(*_requests_to(profile.id, now, Profile))
        .order_by(JoinRequest.created_at.desc(), JoinRequest.id).limit(LIST_LIMIT)))


def join_requests_sent(session, profile: Profile, now: datetime) -> list[JoinRequest]:
    """The builder's own pending, unexpired join requests (≤ 50), projects loaded."""
    return list(session.scalars(
        select(JoinRequest).join(JoinRequest.project)
        .options(contains_eager(JoinRequest.project))
        .where(JoinRequest.requester_id == profile.id,
               JoinRequest.status == JoinRequestStatus.pending, JoinRequest.expires_at > now)
        .order_by(JoinRequest.created_at.desc(), JoinRequest.id).limit(LIST_LIMIT)))


def join_request_row(session, request_id) -> JoinRequest | None:
    """One join request with its project and requester (a card after an action)."""
    return session.scalar(select(JoinRequest).options(
        joinedload(JoinRequest.project), joinedload(JoinRequest.requester))
        .where(JoinRequest.id == request_id))


def invitable_profile(session, username: str) -> Profile | None:
    """The visible builder with this username (a teammates card after Invite)."""
    name = (username or "").strip().lstrip("@").lower()[:40]
    return session.scalar(select(Profile).where(Profile.username == name,
                                                Profile.hidden_at.is_(None),
                                                Profile.banned_at.is_(None))) if name else None


def sent_invites(session, profile: Profile, now: datetime) -> list[TeamInvite]:
    """Return the newest pending, unexpired invites ``profile`` sent (≤ 50), project and
    recipient loaded."""
    recipient = aliased(Profile)
    return list(session.scalars(
        select(TeamInvite).join(TeamInvite.project).outerjoin(recipient, TeamInvite.recipient)
        .options(contains_eager(TeamInvite.project),
                 contains_eager(TeamInvite.recipient.of_type(recipient)))
        .where(TeamInvite.sender_id == profile.id, TeamInvite.status == InviteStatus.pending,
               unexpired(now))
        .order_by(TeamInvite.created_at.desc(), TeamInvite.id).limit(LIST_LIMIT)))


def invite_for_recipient_or_404(session, invite_id, profile: Profile) -> TeamInvite:
    """Return the direct invite ``invite_id`` addressed to ``profile`` (any status), with its
    project and sender; raise NotFound (404) for anyone else's or a non-public project's."""
    owner, sender = aliased(Profile), aliased(Profile)
    invite = session.scalar(_with_project_and_people(select(TeamInvite), owner, sender).where(
        TeamInvite.id == invite_id, TeamInvite.recipient_id == profile.id,
        TeamInvite.type == InviteType.direct, visible_project(Project, owner)))
    if invite is None:
        raise NotFound()
    return invite


def invite_for_sender_or_404(session, invite_id, profile: Profile) -> TeamInvite:
    """Return the invite ``invite_id`` that ``profile`` sent, project and recipient loaded;
    raise NotFound (404) for anyone else's."""
    invite = session.scalar(
        select(TeamInvite).options(joinedload(TeamInvite.project), joinedload(TeamInvite.recipient))
        .where(TeamInvite.id == invite_id, TeamInvite.sender_id == profile.id))
    if invite is None:
        raise NotFound()
    return invite


def link_invite(session, raw_token: str) -> TeamInvite | None:
    """Return the link invite for a raw token with its project, owner and team, or None."""
    if not raw_token or len(raw_token) > 200:
        return None
    return session.scalar(
        select(TeamInvite).options(
            joinedload(TeamInvite.project).joinedload(Project.owner),
            joinedload(TeamInvite.project).selectinload(Project.members)
            .joinedload(ProjectMember.profile))
        .where(TeamInvite.token == hash_token(raw_token), TeamInvite.type == InviteType.link))


def pending_for_project(session, project: Project, now: datetime) -> list[TeamInvite]:
    """Return the project's pending, unexpired invites (≤ 50, newest first), recipients loaded."""
    recipient = aliased(Profile)
    return list(session.scalars(
        select(TeamInvite).outerjoin(recipient, TeamInvite.recipient)
        .options(contains_eager(TeamInvite.recipient.of_type(recipient)))
        .where(TeamInvite.project_id == project.id, TeamInvite.status == InviteStatus.pending,
               unexpired(now))
        .order_by(TeamInvite.created_at.desc(), TeamInvite.id).limit(LIST_LIMIT)))


def invitee_search(session, project: Project, q: str | None) -> list[Profile]:
    """Return up to 5 visible builders accepting invites who match ``q`` (≥ 2 characters)
    and are not already on the team (uses the loaded ``project.members``)."""
    if len((q or "").strip()) < SEARCH_MIN:
        return []
    exclude = [project.profile_id, *(m.profile_id for m in project.members)]
    return invitable_builders(session, q.strip()[:60], exclude_ids=exclude, limit=SEARCH_LIMIT)


def shown_members(project: Project, viewer, role) -> list[ProjectMember]:
    """Return the members to list: hidden or banned ones only for the team and moderators."""
    if project_access.sees_hidden_members(project, viewer, role):
        return list(project.members)
    return [m for m in project.members if not (m.profile.is_hidden or m.profile.is_banned)]


def _owner_idle(project: Project, now: datetime, idle_hours: int) -> bool:
    seen = project.owner.last_seen_at
    return seen is None or seen <= now - timedelta(hours=idle_hours)


def ownership_request_slug_or_404(session, request_id) -> str:
    """The slug of an ownership request's project; NotFound (404) for an unknown id."""
    slug = session.scalar(select(Project.slug).join(
        OwnershipRequest, OwnershipRequest.project_id == Project.id)
        .where(OwnershipRequest.id == request_id))
    if slug is None:
        raise NotFound()
    return slug


def team_section(session, project: Project, viewer, *, now: datetime, team_limit: int,
                 idle_hours: int = 48, **state) -> dict:
    """Return the team section's own data for the project page (one query, for the owner).

    ``project.members`` must be loaded. ``state`` carries what a just-finished action
    shows once: the invite form's values and errors, a new link, a notice.
    """
    owner = project_access.is_owner(project, viewer)
    size = 1 + len(project.members)
    data = {
        "size": size, "limit": team_limit, "is_full": size >= team_limit,
        "can_manage": owner, "can_leave": project_access.is_member(project, viewer),
        "pending": pending_for_project(session, project, now) if owner else [],
        "form_values": {}, "form_errors": {}, "form_error": None, "new_link": None, "link_error": None,
        "notice": None, "notice_error": None, "member_errors": {}, "leave_error": None,
        "revoke_errors": {},
        "now": now,
        # ownership: the transfer and the owner's leave forms, the request panel
        "transfer_values": {}, "transfer_errors": {}, "leave_values": {}, "leave_errors": {},
        "ownership_error": None, "ownership_confirm_error": None,
        "successors": [m for m in project.members if m.profile.banned_at is None] if owner else [],
        "request": project.pending_ownership_request,
        "viewer_id": viewer.id if viewer is not None else None,
        "owner_idle": _owner_idle(project, now, idle_hours),
    }
    data.update(state)
    return data


def invite_state(invite: TeamInvite, now: datetime) -> str:
    """Return what became of an invite: pending, accepted, declined, revoked or expired
    (a pending invite past its expiry is expired; nothing rewrites the stored status)."""
    if invite.is_expired(now):
        return "expired"
    return InviteStatus(invite.status).value


def invite_history(session, project: Project) -> tuple[list[TeamInvite], dict]:
    """Return the owner's team history of invites in one statement: the project's invites in
    every state, direct and link (≤ 50, newest first), and ``{profile_id: invite}`` for the
    members who joined through an invite (their stored ``invite_id``: which link or whose
    invite), each with sender and recipient (a used link's joiner) loaded.

    The statement reads the 50 newest invites and the members' invites together; sorted
    newest first, the first 50 of that union are exactly the 50 newest (a member's invite
    outside them is older than all of them)."""
    sender, recipient = aliased(Profile), aliased(Profile)
    newest = (select(TeamInvite.id).where(TeamInvite.project_id == project.id)
              .order_by(TeamInvite.created_at.desc(), TeamInvite.id).limit(LIST_LIMIT))
    joined_through = select(ProjectMember.invite_id).where(
        ProjectMember.project_id == project.id, ProjectMember.invite_id.is_not(None))
    rows = list(session.scalars(
        select(TeamInvite).join(sender, TeamInvite.sender)
        .outerjoin(recipient, TeamInvite.recipient)
        .options(contains_eager(TeamInvite.sender.of_type(sender)),
                 contains_eager(TeamInvite.recipient.of_type(recipient)))
        .where(or_(TeamInvite.id.in_(newest.scalar_subquery()),
                   TeamInvite.id.in_(joined_through.scalar_subquery())))
        .order_by(TeamInvite.created_at.desc(), TeamInvite.id)))
    by_id = {invite.id: invite for invite in rows}
    origins = {member.profile_id: by_id[member.invite_id] for member in project.members
               if member.invite_id in by_id}
    return rows[:LIST_LIMIT], origins
