"""Team rules and writes: direct invites, invite links, accept, decline, revoke, remove, leave.

docs/rules.md "Teams". Services take a session and explicit arguments (``now=`` for time, the
team size limit from configuration), flush and never commit, and raise
``buildstory.errors`` with the exact messages users see.

Limits hold under concurrent requests because every check that counts rows runs after
a row lock (``SELECT … FOR NO KEY UPDATE``, which still lets other transactions insert
rows referencing the locked one): the sender's profile row serialises one sender's
sends (pending limit), the project row serialises joins (team size), and the invite row
makes a link single-use. Locks are always taken in the order profile → invite → project.
"Expired" is derived from ``expires_at`` and never stored; ``responded_at`` is when an
invite stopped being pending (accepted, declined or revoked).
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..enums import InviteStatus, InviteType, JoinRequestStatus, ProjectEventKind
from ..errors import Conflict, Forbidden, Gone, NotFound, ValidationFailed
from ..notifications import triggers as notices
from ..profiles.models import Profile
from ..profiles.queries import visible
from ..profiles.rules import normalise_username
from ..projects.models import Project
from ..projects.queries import visible_project
from ..projects.services import record_history
from . import ownership
from .models import JoinRequest, ProjectMember, TeamInvite

PENDING_LIMIT = 5
LINK_SUBJECT = "Invite link"

NOT_OWNER = "You do not own this project"
USER_NOT_FOUND = "User not found"
NOT_ACCEPTING = "This user is not accepting invites"
SELF_INVITE = "You cannot invite yourself"
ALREADY_MEMBER = "User is already a team member"
ALREADY_INVITED = "Invite already sent to this user"
TOO_MANY_PENDING = f"You can have at most {PENDING_LIMIT} pending invites"
TEAM_FULL = "This team is full"
LINK_INVALID = "This invite link is invalid or has expired"
LINK_USED = "This invite has already been used"
YOU_OWN_IT = "You are the owner of this project"
YOU_ARE_MEMBER = "You are already a team member"
NOT_PENDING = "This invite is no longer pending"
ONLY_PENDING = "Only pending invites can be revoked"
NOT_A_MEMBER = ownership.NOT_A_MEMBER


def hash_token(raw: str) -> str:
    """Return the SHA-256 hex digest stored for a link invite's raw token."""
    return hashlib.sha256(raw.encode()).hexdigest()


def unexpired(now: datetime):
    """Return the SQL condition for an invite that has no expiry or has not reached it."""
    return or_(TeamInvite.expires_at.is_(None), TeamInvite.expires_at > now)


def _lock(session, model, row_id) -> None:
    """Lock one row until the transaction ends (FOR NO KEY UPDATE)."""
    session.execute(select(model.id).where(model.id == row_id).with_for_update(key_share=True))


def _locked_invite(session, invite_id) -> TeamInvite | None:
    """Return the invite, locked and re-read from the database (never a stale copy)."""
    return session.scalar(select(TeamInvite).where(TeamInvite.id == invite_id)
                          .with_for_update(key_share=True)
                          .execution_options(populate_existing=True))


def pending_count(session, sender_id, now: datetime) -> int:
    """Return how many pending, unexpired invites (direct and link) a sender has."""
    return session.scalar(select(func.count(TeamInvite.id)).where(
        TeamInvite.sender_id == sender_id, TeamInvite.status == InviteStatus.pending,
        unexpired(now)))


def team_size(session, project_id) -> int:
    """Return the number of people on the team: the owner plus every member (hidden too)."""
    members = session.scalar(select(func.count(ProjectMember.id))
                             .where(ProjectMember.project_id == project_id))
    return 1 + members


def is_member(session, project_id, profile_id) -> bool:
    """True when the profile has a member row on the project (the owner has none)."""
    return session.scalar(select(exists().where(ProjectMember.project_id == project_id,
                                                ProjectMember.profile_id == profile_id)))


def _require_owner(project: Project, actor: Profile) -> None:
    if project.profile_id != actor.id:
        raise Forbidden(NOT_OWNER)


def _recheck_owner(session, project: Project, actor: Profile) -> None:
    """Under a lock every ownership change takes (the owner's profile or the project),
    re-read the owner: a form opened before a transfer must not act for the old owner."""
    if session.scalar(select(Project.profile_id).where(Project.id == project.id)) != actor.id:
        raise Forbidden(NOT_OWNER)


def _check_sender_limits(session, project: Project, sender: Profile, *, now: datetime,
                         team_limit: int | None) -> None:
    """Raise Conflict when the sender is at the pending limit or the team is full.

    The caller holds the lock on the sender's profile row.
    """
    if pending_count(session, sender.id, now) >= PENDING_LIMIT:
        raise Conflict(TOO_MANY_PENDING)
    if team_limit is not None:
        _lock(session, Project, project.id)
        if team_size(session, project.id) >= team_limit:
            raise Conflict(TEAM_FULL)


def send_direct_invite(session, project: Project, sender: Profile, username: str, *,
                       now: datetime, team_limit: int, ttl_days: int | None = None) -> TeamInvite:
    """Invite a builder by username; return the pending invite.

    Raises Forbidden (403) unless the sender owns the project; then, in this order,
    ValidationFailed on ``username`` (422): not found or not visible, not accepting
    invites, yourself, already a member, already invited; then Conflict (409): the
    sender's pending limit, the team size limit. Direct invites expire only when
    ``ttl_days`` is given.
    """
    _require_owner(project, sender)
    _lock(session, Profile, sender.id)
    _recheck_owner(session, project, sender)
    name = normalise_username(username).lstrip("@")
    recipient = session.scalar(select(Profile).where(Profile.username == name, visible())) \
        if name else None
    if recipient is None:
        raise ValidationFailed({"username": USER_NOT_FOUND})
    if not recipient.allow_invites:
        raise ValidationFailed({"username": NOT_ACCEPTING})
    if recipient.id == sender.id:
        raise ValidationFailed({"username": SELF_INVITE})
    if is_member(session, project.id, recipient.id):
        raise ValidationFailed({"username": ALREADY_MEMBER})
    already = session.scalar(select(exists().where(
        TeamInvite.project_id == project.id, TeamInvite.recipient_id == recipient.id,
        TeamInvite.type == InviteType.direct, TeamInvite.status == InviteStatus.pending,
        unexpired(now))))
    if already:
        raise ValidationFailed({"username": ALREADY_INVITED})
    _check_sender_limits(session, project, sender, now=now, team_limit=team_limit)
    invite = TeamInvite(project_id=project.id, sender_id=sender.id, recipient_id=recipient.id,
                        type=InviteType.direct, status=InviteStatus.pending, created_at=now,
                        expires_at=now + timedelta(days=ttl_days) if ttl_days else None)
    session.add(invite)
    session.flush()
    record_history(session, project, sender, ProjectEventKind.invite_sent,
                   recipient.display_name, now=now)
    notices.invite_sent(session, invite, project, sender, now=now)
    return invite


def create_invite_link(session, project: Project, sender: Profile, *, now: datetime,
                       ttl_days: int, team_limit: int | None = None) -> tuple[TeamInvite, str]:
    """Create a single-use invite link; return ``(invite, raw_token)``.

    The raw token (256 bits from ``secrets``) is returned once and never stored: the
    invite keeps its SHA-256. Counts toward the sender's pending limit until it expires.
    Raises Forbidden (403) for anyone but the owner, Conflict (409) at the pending limit
    or, when ``team_limit`` is given, when the team is already full.
    """
    _require_owner(project, sender)
    _lock(session, Profile, sender.id)
    _recheck_owner(session, project, sender)
    _check_sender_limits(session, project, sender, now=now, team_limit=team_limit)
    raw = secrets.token_urlsafe(32)
    invite = TeamInvite(project_id=project.id, sender_id=sender.id, recipient_id=None,
                        type=InviteType.link, status=InviteStatus.pending, token=hash_token(raw),
                        created_at=now, expires_at=now + timedelta(days=ttl_days))
    session.add(invite)
    session.flush()
    record_history(session, project, sender, ProjectEventKind.invite_sent, LINK_SUBJECT, now=now)
    return invite, raw


def _project_is_public(session, project_id) -> bool:
    """True when the project is not hidden and its owner is neither hidden nor banned."""
    return session.scalar(select(exists().where(
        Project.id == project_id, Profile.id == Project.profile_id, visible_project())))


def _join(session, invite: TeamInvite, profile: Profile, *, now: datetime,
          team_limit: int) -> ProjectMember:
    """Add ``profile`` to the invite's team and close the invite (caller holds its lock)."""
    project = session.get(Project, invite.project_id)
    if project.profile_id == profile.id:
        raise Conflict(YOU_OWN_IT)
    _lock(session, Project, project.id)
    if is_member(session, project.id, profile.id):
        raise Conflict(YOU_ARE_MEMBER)
    if team_size(session, project.id) >= team_limit:
        raise Conflict(TEAM_FULL)
    member = ProjectMember(project_id=project.id, profile_id=profile.id, invite_id=invite.id,
                           joined_at=now)
    try:
        with session.begin_nested():
            session.add(member)
            session.flush()
    except IntegrityError:
        raise Conflict(YOU_ARE_MEMBER) from None
    invite.status = InviteStatus.accepted
    invite.responded_at = now
    invite.recipient_id = profile.id
    # Other invites to this team for the same person have nothing left to do.
    session.execute(update(TeamInvite).where(
        TeamInvite.project_id == project.id, TeamInvite.recipient_id == profile.id,
        TeamInvite.status == InviteStatus.pending, TeamInvite.id != invite.id,
    ).values(status=InviteStatus.revoked, responded_at=now))
    # ... and so has their own pending request to join it.
    session.execute(update(JoinRequest).where(
        JoinRequest.project_id == project.id, JoinRequest.requester_id == profile.id,
        JoinRequest.status == JoinRequestStatus.pending,
    ).values(status=JoinRequestStatus.withdrawn, responded_at=now, responded_by=profile.id))
    session.flush()
    session.expire(project, ["members"])
    record_history(session, project, profile, ProjectEventKind.joined, None, now=now)
    notices.invite_accepted(session, invite, project, profile, now=now)
    return member


def _own_direct_invite(session, invite: TeamInvite, profile: Profile) -> TeamInvite:
    """Return the locked direct invite addressed to ``profile``; NotFound (404) otherwise."""
    if invite.type != InviteType.direct or invite.recipient_id != profile.id:
        raise NotFound()
    locked = _locked_invite(session, invite.id)
    if locked is None or not _project_is_public(session, locked.project_id):
        raise NotFound()
    return locked


def accept_invite(session, invite: TeamInvite, profile: Profile, *, now: datetime,
                  team_limit: int) -> ProjectMember:
    """Accept a direct invite addressed to ``profile``; return the new membership.

    One transaction: the member row, the invite marked accepted with ``responded_at``,
    the recipient's other pending invites to the project revoked, a "joined" history line.
    Raises NotFound (404) for someone else's invite; Conflict (409) when it is no longer
    pending (answered, revoked or expired), for the owner, a member, or a full team.
    """
    invite = _own_direct_invite(session, invite, profile)
    if invite.status != InviteStatus.pending or invite.is_expired(now):
        raise Conflict(NOT_PENDING)
    return _join(session, invite, profile, now=now, team_limit=team_limit)


def accept_link(session, raw_token: str, profile: Profile, *, now: datetime,
                team_limit: int) -> ProjectMember:
    """Join a team through a link invite; return the new membership.

    Raises NotFound (404) "This invite link is invalid or has expired" for an unknown,
    expired or revoked link (or one to a project that is no longer public); Gone (410)
    for a used one; Conflict (409) for the owner, a member, or a full team. Two people
    using one link at once: the invite row lock lets exactly one in.
    """
    found = session.scalar(select(TeamInvite.id).where(
        TeamInvite.token == hash_token(raw_token or ""), TeamInvite.type == InviteType.link))
    invite = _locked_invite(session, found) if found else None
    if invite is None or not _project_is_public(session, invite.project_id):
        raise NotFound(LINK_INVALID)
    if invite.status == InviteStatus.accepted:
        raise Gone(LINK_USED)
    if invite.status != InviteStatus.pending or invite.is_expired(now):
        raise NotFound(LINK_INVALID)
    return _join(session, invite, profile, now=now, team_limit=team_limit)


def decline_invite(session, invite: TeamInvite, profile: Profile, *, now: datetime) -> TeamInvite:
    """Decline a direct invite addressed to ``profile``: status declined, ``responded_at`` set.

    Raises NotFound (404) for someone else's invite, Conflict (409) when it is no longer
    pending.
    """
    invite = _own_direct_invite(session, invite, profile)
    if invite.status != InviteStatus.pending or invite.is_expired(now):
        raise Conflict(NOT_PENDING)
    invite.status = InviteStatus.declined
    invite.responded_at = now
    session.flush()
    notices.invite_declined(session, invite, session.get(Project, invite.project_id), profile,
                            now=now)
    return invite


def revoke_invite(session, invite: TeamInvite, sender: Profile, *, now: datetime) -> TeamInvite:
    """Withdraw a pending invite (direct or link) the sender sent; record it in the history.

    Raises NotFound (404) for anyone but the sender, Conflict (409) "Only pending invites
    can be revoked" for an answered, revoked or expired one.
    """
    if invite.sender_id != sender.id:
        raise NotFound()
    invite = _locked_invite(session, invite.id)
    if invite is None:
        raise NotFound()
    if invite.status != InviteStatus.pending or invite.is_expired(now):
        raise Conflict(ONLY_PENDING)
    invite.status = InviteStatus.revoked
    invite.responded_at = now
    session.flush()
    subject = LINK_SUBJECT if invite.type == InviteType.link else session.scalar(
        select(Profile.display_name).where(Profile.id == invite.recipient_id))
    record_history(session, session.get(Project, invite.project_id), sender,
                   ProjectEventKind.invite_revoked, subject, now=now)
    notices.invite_revoked(session, invite)
    return invite


def remove_member(session, project: Project, owner: Profile, member_profile_id, *,
                  now: datetime) -> None:
    """Take a member off the owner's team; they lose member access at once.

    Raises Forbidden (403) for anyone but the owner, NotFound (404) when that builder is
    not a member.
    """
    _require_owner(project, owner)
    # their pending ownership request turns void (locked before the project, as always)
    request = ownership.lock_pending_request_of(session, project.id, member_profile_id)
    _lock(session, Project, project.id)
    _recheck_owner(session, project, owner)
    name = session.scalar(select(Profile.display_name).join(
        ProjectMember, ProjectMember.profile_id == Profile.id).where(
        ProjectMember.project_id == project.id, ProjectMember.profile_id == member_profile_id))
    if name is None:
        raise NotFound()
    session.execute(delete(ProjectMember).where(ProjectMember.project_id == project.id,
                                                ProjectMember.profile_id == member_profile_id))
    ownership.void_request(request, now=now)
    session.expire(project, ["members"])
    record_history(session, project, owner, ProjectEventKind.removed, name, now=now)
    notices.member_removed(session, project, owner, member_profile_id, now=now)


def leave_project(session, project: Project, profile: Profile, next_owner=None, *,
                  now: datetime) -> None:
    """Leave a team; access ends at once (``ownership.leave``: a member just goes, the
    owner names a ``next_owner`` first).

    Raises Forbidden (403) "You are not a member of this project" for anyone off the team;
    for the owner, Conflict "Owners cannot leave a project with no other members" or
    ValidationFailed on ``next_owner``.
    """
    ownership.leave(session, project, profile, next_owner, now=now)
