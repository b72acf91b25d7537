"""Join requests: a builder asks to join a team that has open roles; the owner accepts or
declines; the requester withdraws (docs/rules.md "Skills and matching").

Limits hold under concurrent requests by row locks taken in one order: the requester's
profile (the pending limit), the request, then the project (team size), as the invite
services do. One pending request per (project, requester) is final in the database (a
partial unique index). "Expired" is derived from ``expires_at``; an expired pending
request is closed as withdrawn (``responded_at`` = ``expires_at``) when its requester asks
again.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError

from ..enums import InviteStatus, InviteType, JoinRequestStatus, ProjectEventKind
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..notifications import triggers as notices
from ..profiles.models import Profile
from ..projects.models import Project
from ..projects.services import record_history
from .models import JoinRequest, ProjectMember, TeamInvite
from .services import (TEAM_FULL, YOU_ARE_MEMBER, YOU_OWN_IT, _lock, is_member, team_size,
                       unexpired)

PENDING_LIMIT = 5
MESSAGE_MAX = 500

HIDDEN = "Hidden profiles cannot ask to join teams"
NOT_LOOKING = "This project is not looking for teammates"
ALREADY_INVITED = "This project has already invited you"
ALREADY_ASKED = "You have already asked to join this project"
TOO_MANY = f"You can have at most {PENDING_LIMIT} pending join requests"
CHOOSE_ROLE = "Choose one of the project's open roles"
MESSAGE_TOO_LONG = f"Message must be at most {MESSAGE_MAX} characters"
NOT_PENDING = "This request is no longer pending"


def _pending(now: datetime):
    return [JoinRequest.status == JoinRequestStatus.pending, JoinRequest.expires_at > now]


def pending_request_count(session, requester_id, now: datetime) -> int:
    return session.scalar(select(func.count(JoinRequest.id)).where(
        JoinRequest.requester_id == requester_id, *_pending(now)))


def _locked(session, request_id) -> JoinRequest | None:
    return session.scalar(select(JoinRequest).where(JoinRequest.id == request_id)
                          .with_for_update(key_share=True)
                          .execution_options(populate_existing=True))


def ask_to_join(session, project: Project, requester: Profile, *, role: str | None,
                message: str | None, now: datetime, team_limit: int,
                ttl_days: int) -> JoinRequest:
    """Ask to join ``project``'s team; return the pending request.

    Refusals in order: Forbidden (403) for a hidden requester; Conflict (409): no open
    role, the owner, a member, an invite already pending, a request already pending, the
    requester's 5 pending requests, a full team; ValidationFailed (422) for a role that is
    not open or a message over 500 characters.
    """
    if requester.hidden_at is not None:
        raise Forbidden(HIDDEN)
    _lock(session, Profile, requester.id)
    session.refresh(project, ["open_roles", "profile_id"])
    if not project.open_roles:
        raise Conflict(NOT_LOOKING)
    if project.profile_id == requester.id:
        raise Conflict(YOU_OWN_IT)
    if is_member(session, project.id, requester.id):
        raise Conflict(YOU_ARE_MEMBER)
    invited = session.scalar(select(exists().where(
        TeamInvite.project_id == project.id, TeamInvite.recipient_id == requester.id,
        TeamInvite.type == InviteType.direct, TeamInvite.status == InviteStatus.pending,
        unexpired(now))))
    if invited:
        raise Conflict(ALREADY_INVITED)
    # An expired pending request is closed now, as withdrawn when it expired.
    session.execute(update(JoinRequest).where(
        JoinRequest.project_id == project.id, JoinRequest.requester_id == requester.id,
        JoinRequest.status == JoinRequestStatus.pending, JoinRequest.expires_at <= now,
    ).values(status=JoinRequestStatus.withdrawn, responded_at=JoinRequest.expires_at))
    asked = session.scalar(select(exists().where(
        JoinRequest.project_id == project.id, JoinRequest.requester_id == requester.id,
        *_pending(now))))
    if asked:
        raise Conflict(ALREADY_ASKED)
    if pending_request_count(session, requester.id, now) >= PENDING_LIMIT:
        raise Conflict(TOO_MANY)
    _lock(session, Project, project.id)
    if team_size(session, project.id) >= team_limit:
        raise Conflict(TEAM_FULL)
    errors = {}
    role = (role or "").strip() or None
    if role is not None and role not in project.open_roles:
        errors["role"] = CHOOSE_ROLE
    message = (message or "").strip() or None
    if message and len(message) > MESSAGE_MAX:
        errors["message"] = MESSAGE_TOO_LONG
    if errors:
        raise ValidationFailed(errors)
    request = JoinRequest(project_id=project.id, requester_id=requester.id, role=role,
                          message=message, status=JoinRequestStatus.pending, created_at=now,
                          expires_at=now + timedelta(days=ttl_days))
    try:
        with session.begin_nested():
            session.add(request)
            session.flush()
    except IntegrityError:
        raise Conflict(ALREADY_ASKED) from None
    record_history(session, project, requester, ProjectEventKind.join_requested, None, now=now)
    notices.join_requested(session, request, project, requester, now=now)
    return request


def _for_owner(session, request: JoinRequest, owner: Profile) -> tuple[JoinRequest, Project]:
    """The request, locked, when ``owner`` owns its project and the requester is visible;
    NotFound (404) otherwise."""
    project = session.get(Project, request.project_id)
    if project is None or project.profile_id != owner.id:
        raise NotFound()
    locked = _locked(session, request.id)
    requester = session.get(Profile, locked.requester_id) if locked else None
    if locked is None or requester is None or requester.hidden_at or requester.banned_at:
        raise NotFound()
    return locked, project


def _still_pending(request: JoinRequest, now: datetime) -> None:
    if request.status != JoinRequestStatus.pending or request.expires_at <= now:
        raise Conflict(NOT_PENDING)


def accept(session, request: JoinRequest, owner: Profile, *, now: datetime,
           team_limit: int) -> ProjectMember:
    """The owner accepts: the requester joins (no invite), their pending invites to the
    project are revoked. Conflict (409) when no longer pending, already a member, or the
    team is full."""
    request, project = _for_owner(session, request, owner)
    _still_pending(request, now)
    _lock(session, Project, project.id)
    if is_member(session, project.id, request.requester_id):
        raise Conflict(YOU_ARE_MEMBER)
    if team_size(session, project.id) >= team_limit:
        raise Conflict(TEAM_FULL)
    member = ProjectMember(project_id=project.id, profile_id=request.requester_id,
                           invite_id=None, joined_at=now)
    session.add(member)
    session.flush()
    request.status = JoinRequestStatus.accepted
    request.responded_at = now
    request.responded_by = owner.id
    session.execute(update(TeamInvite).where(
        TeamInvite.project_id == project.id, TeamInvite.recipient_id == request.requester_id,
        TeamInvite.status == InviteStatus.pending,
    ).values(status=InviteStatus.revoked, responded_at=now))
    session.flush()
    session.expire(project, ["members"])
    requester = session.get(Profile, request.requester_id)
    record_history(session, project, owner, ProjectEventKind.join_request_accepted,
                   requester.display_name, now=now)
    record_history(session, project, requester, ProjectEventKind.joined, None, now=now)
    notices.join_request_answered(session, request, project, owner, accepted=True, now=now)
    return member


def decline(session, request: JoinRequest, owner: Profile, *, now: datetime) -> JoinRequest:
    """The owner declines a pending request (409 when no longer pending)."""
    request, project = _for_owner(session, request, owner)
    _still_pending(request, now)
    request.status = JoinRequestStatus.declined
    request.responded_at = now
    request.responded_by = owner.id
    session.flush()
    requester = session.get(Profile, request.requester_id)
    record_history(session, project, owner, ProjectEventKind.join_request_declined,
                   requester.display_name, now=now)
    notices.join_request_answered(session, request, project, owner, accepted=False, now=now)
    return request


def withdraw(session, request: JoinRequest, requester: Profile, *,
             now: datetime) -> JoinRequest:
    """The requester withdraws their pending request (404 for anyone else's, 409 when no
    longer pending)."""
    if request.requester_id != requester.id:
        raise NotFound()
    request = _locked(session, request.id)
    if request is None:
        raise NotFound()
    _still_pending(request, now)
    request.status = JoinRequestStatus.withdrawn
    request.responded_at = now
    request.responded_by = requester.id
    session.flush()
    record_history(session, session.get(Project, request.project_id), requester,
                   ProjectEventKind.join_request_withdrawn, None, now=now)
    return request
