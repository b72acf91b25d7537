"""Ownership: transfer, leaving with a next owner, succession, and ownership requests.

docs/rules.md "Ownership". A project always has exactly one owner, who has no
``project_members`` row; every change of owner goes through ``_change_owner`` under the
same locks, taken in one order everywhere: the owner's profile, their pending invites of
the project, the pending ownership request, then the project (the order of
``services``: profile → invite → project). The owner is re-read under those locks, so a
stale form, a second tab or a job that lost a race finds a different owner and stops.

Services take a session and explicit values (``now=``, the team size limit, the hours
from configuration), flush and never commit, and raise ``buildstory.errors`` with the
exact messages users see.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Text, cast, delete, exists, literal, select, true, update
from sqlalchemy.orm import aliased
from sqlalchemy.exc import IntegrityError

from ..enums import EventStatus, InviteStatus, OwnershipRequestStatus as S, ProjectEventKind
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..events.models import Event
from ..notifications import triggers as notices
from ..notifications.models import Notification
from ..profiles.models import Profile
from ..projects.models import EventProject, Project
from ..projects.services import record_history
from .models import OwnershipRequest, ProjectMember, TeamInvite

NOT_OWNER = "You do not own this project"
CHOOSE_NEW_OWNER = "Choose a new owner"
NEW_OWNER_NOT_MEMBER = "New owner must be a current member"
CHOOSE_NEXT_OWNER = "Choose the next owner"
NEXT_OWNER_NOT_MEMBER = "Next owner must be a current member"
CONFIRM_TRANSFER = "Tick the box to confirm the transfer"
ALONE = "Owners cannot leave a project with no other members"
ONLY_MEMBERS = "Only team members can request ownership"
YOU_OWN_IT = "You are the owner of this project"
NOT_LIVE = "Ownership can only be requested while the project is in a live event"
ALREADY_PENDING = "An ownership request is already pending for this project"
DECLINED_RECENTLY = "The owner declined your request in the last 7 days"
NOT_PENDING = "This request is no longer pending"
TOO_LATE = "The time to answer this request has passed"
NOT_A_MEMBER = "You are not a member of this project"
DECLINE_COOLDOWN = timedelta(days=7)
REMIND_BEFORE = timedelta(hours=24)

# History never says whether an account was banned or deleted: succession reads the same.
FIELDS = {"transfer": ("new_owner", CHOOSE_NEW_OWNER, NEW_OWNER_NOT_MEMBER),
          "leave": ("next_owner", CHOOSE_NEXT_OWNER, NEXT_OWNER_NOT_MEMBER)}


def owner_active_message(idle_hours: int) -> str:
    return f"The owner has been active in the last {idle_hours} hours"


def parse_profile_id(raw) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw).strip()) if raw and str(raw).strip() else None
    except ValueError:
        return None


# --- locks ------------------------------------------------------------------------------

def _lock_profile(session, profile_id) -> None:
    session.execute(select(Profile.id).where(Profile.id == profile_id)
                    .with_for_update(key_share=True))


def _lock_for_change(session, project_id, owner_id) -> tuple[Project | None,
                                                             OwnershipRequest | None]:
    """Take the ownership locks for ``owner_id``'s project and return the project and its
    pending request, both re-read under them (the project None when it is gone). The
    caller compares ``project.profile_id`` with ``owner_id``: another change may have won.
    """
    _lock_profile(session, owner_id)
    session.execute(select(TeamInvite.id).where(
        TeamInvite.project_id == project_id, TeamInvite.sender_id == owner_id,
        TeamInvite.status == InviteStatus.pending)
        .order_by(TeamInvite.id).with_for_update(key_share=True))
    request = session.scalar(
        select(OwnershipRequest).where(OwnershipRequest.project_id == project_id,
                                       OwnershipRequest.status == S.pending)
        .with_for_update().execution_options(populate_existing=True))
    project = session.scalar(select(Project).where(Project.id == project_id)
                             .with_for_update(key_share=True)
                             .execution_options(populate_existing=True))
    return project, request


def lock_pending_request_of(session, project_id, requester_id) -> OwnershipRequest | None:
    """Lock the requester's pending request on the project (before the project's lock, as
    every ownership change does); a member leaving or removed then voids it."""
    return session.scalar(
        select(OwnershipRequest).where(OwnershipRequest.project_id == project_id,
                                       OwnershipRequest.requester_id == requester_id,
                                       OwnershipRequest.status == S.pending)
        .with_for_update().execution_options(populate_existing=True))


def void_request(request: OwnershipRequest | None, *, now: datetime) -> None:
    if request is not None and request.status == S.pending:
        request.status, request.resolved_at = S.void, now


def _member_row(session, project_id, profile_id) -> ProjectMember | None:
    return session.scalar(select(ProjectMember).where(
        ProjectMember.project_id == project_id, ProjectMember.profile_id == profile_id))


def _eligible_member(session, project_id, profile_id) -> Profile | None:
    """The profile when it is a current member of the project and not banned."""
    if profile_id is None:
        return None
    return session.scalar(select(Profile).join(
        ProjectMember, ProjectMember.profile_id == Profile.id).where(
        ProjectMember.project_id == project_id, ProjectMember.profile_id == profile_id,
        Profile.banned_at.is_(None)))


def _change_owner(session, project: Project, old_owner_id, new_owner: Profile, *,
                  now: datetime, keep_old: bool, kind: ProjectEventKind,
                  actor: Profile | None, request: OwnershipRequest | None,
                  request_status: S = S.void) -> None:
    """Make ``new_owner`` (a member, its row locked out by the project lock) the owner.

    The new owner's member row goes, the old owner becomes a member (joined when the
    project was created) unless ``keep_old`` is False, the old owner's pending invites and
    links for the project are revoked, and the pending request ends with
    ``request_status``. The caller holds the ownership locks.
    """
    session.execute(delete(ProjectMember).where(ProjectMember.project_id == project.id,
                                                ProjectMember.profile_id == new_owner.id))
    project.profile_id = new_owner.id
    session.flush()
    if keep_old:
        session.add(ProjectMember(project_id=project.id, profile_id=old_owner_id,
                                  joined_at=project.created_at))
    session.execute(update(TeamInvite).where(
        TeamInvite.project_id == project.id, TeamInvite.sender_id == old_owner_id,
        TeamInvite.status == InviteStatus.pending)
        .values(status=InviteStatus.revoked, responded_at=now)
        .execution_options(synchronize_session=False))
    if request is not None and request.status == S.pending:
        request.status, request.resolved_at = request_status, now
    session.flush()
    session.expire(project, ["members", "owner"])
    record_history(session, project, actor, kind, new_owner.display_name, now=now)
    notices.ownership_transferred(session, project, new_owner, actor=actor, now=now)


def _chosen_member(session, project: Project, raw, form: str) -> Profile:
    field, empty, not_member = FIELDS[form]
    if raw is None or not str(raw).strip():
        raise ValidationFailed({field: empty})
    profile = _eligible_member(session, project.id, parse_profile_id(raw))
    if profile is None:
        raise ValidationFailed({field: not_member})
    return profile


# --- the owner's choices ----------------------------------------------------------------

def transfer(session, project: Project, owner: Profile, new_owner_raw, *,
             now: datetime) -> Profile:
    """The owner hands the project to a current member; return the new owner.

    Forbidden (403) "You do not own this project" for anyone else or a stale form (the
    owner changed meanwhile); ValidationFailed on ``new_owner`` for an empty choice or one
    who is not a current, unbanned member (re-checked under the project's lock).
    """
    if project.profile_id != owner.id:
        raise Forbidden(NOT_OWNER)
    if new_owner_raw is None or not str(new_owner_raw).strip():
        raise ValidationFailed({"new_owner": CHOOSE_NEW_OWNER})
    locked, request = _lock_for_change(session, project.id, owner.id)
    if locked is None or locked.profile_id != owner.id:
        raise Forbidden(NOT_OWNER)
    new_owner = _chosen_member(session, locked, new_owner_raw, "transfer")
    _change_owner(session, locked, owner.id, new_owner, now=now, keep_old=True,
                  kind=ProjectEventKind.ownership_transferred, actor=owner, request=request)
    return new_owner


def leave(session, project: Project, profile: Profile, next_owner_raw=None, *,
          now: datetime) -> None:
    """Leave a team: a member just goes; the owner names a next owner first.

    A member: Forbidden "You are not a member of this project" off the team; their pending
    ownership request turns void. The owner: Conflict "Owners cannot leave a project with
    no other members" when alone, else ``next_owner`` as for a transfer (its own
    messages), then a transfer and the "left" line, no member row kept. Someone who became
    the owner while the form was open is asked for a next owner.
    """
    if project.profile_id == profile.id:
        return _owner_leaves(session, project, profile, next_owner_raw, now=now)
    # The owner's profile first (a key-share lock: the owner hears of it, and a ban of the
    # owner holds that row while it takes the project's lock).
    session.execute(select(Profile.id).where(Profile.id == project.profile_id)
                    .with_for_update(read=True, key_share=True))
    request = lock_pending_request_of(session, project.id, profile.id)
    locked = session.scalar(select(Project).where(Project.id == project.id)
                            .with_for_update(key_share=True)
                            .execution_options(populate_existing=True))
    if locked is None:
        raise NotFound()
    if locked.profile_id == profile.id:  # made the owner meanwhile
        if not session.scalar(select(exists().where(ProjectMember.project_id == locked.id))):
            raise Conflict(ALONE)
        raise ValidationFailed({"next_owner": CHOOSE_NEXT_OWNER})
    gone = session.execute(delete(ProjectMember).where(
        ProjectMember.project_id == locked.id, ProjectMember.profile_id == profile.id)).rowcount
    if not gone:
        raise Forbidden(NOT_A_MEMBER)
    void_request(request, now=now)
    session.expire(locked, ["members"])
    record_history(session, locked, profile, ProjectEventKind.left, None, now=now)
    notices.member_left(session, locked, profile, now=now)


def _owner_leaves(session, project, owner, next_owner_raw, *, now):
    locked, request = _lock_for_change(session, project.id, owner.id)
    if locked is None or locked.profile_id != owner.id:
        raise Forbidden(NOT_OWNER)
    if not session.scalar(select(exists().where(ProjectMember.project_id == locked.id))):
        raise Conflict(ALONE)
    new_owner = _chosen_member(session, locked, next_owner_raw, "leave")
    _change_owner(session, locked, owner.id, new_owner, now=now, keep_old=False,
                  kind=ProjectEventKind.ownership_transferred, actor=owner, request=request)
    record_history(session, locked, owner, ProjectEventKind.left, None, now=now)
    notices.member_left(session, locked, owner, now=now)


# --- succession (ban, deletion) ---------------------------------------------------------

def successor_order():
    """Visible before hidden, earliest joined, earliest on Buildstory, username, id."""
    return (Profile.hidden_at.is_not(None), ProjectMember.joined_at, Profile.created_at,
            Profile.username, Profile.id)


def successor(session, project_id) -> Profile | None:
    """The member a project passes to when its owner is banned or deleted, or None."""
    return session.scalar(
        select(Profile).join(ProjectMember, ProjectMember.profile_id == Profile.id)
        .where(ProjectMember.project_id == project_id, Profile.banned_at.is_(None))
        .order_by(*successor_order()).limit(1))


@dataclass
class Plan:
    """What banning or deleting a builder does to the projects they own."""

    passes: list  # [(project, successor profile)]
    deleted: list  # [project] with no eligible member


def succession_plan(session, owner_id) -> Plan:
    """Each project ``owner_id`` owns with its successor (or in ``deleted`` without one):
    the admin page lists it before the confirmation. One statement (a lateral probe of
    each project's best member)."""
    heir = (select(ProjectMember.profile_id.label("heir_id")).select_from(ProjectMember)
            .join(Profile, Profile.id == ProjectMember.profile_id)
            .where(ProjectMember.project_id == Project.id, Profile.banned_at.is_(None))
            .order_by(*successor_order()).limit(1).lateral("heir"))
    heir_profile = aliased(Profile)
    rows = session.execute(
        select(Project, heir_profile).select_from(Project).outerjoin(heir, true())
        .outerjoin(heir_profile, heir_profile.id == heir.c.heir_id)
        .where(Project.profile_id == owner_id)
        .order_by(Project.created_at, Project.id)).all()
    return Plan([(p, h) for p, h in rows if h is not None], [p for p, h in rows if h is None])


def pass_on_projects(session, owner: Profile, *, now: datetime) -> list[dict]:
    """Hand each project the (banned or deleted) ``owner`` owns with an eligible member to
    its successor, the owner keeping no row; return the audit's ``successions``.

    The caller holds the owner's profile lock (the moderation service's); each project
    then takes the rest of the ownership locks and picks its successor under them.
    """
    successions = []
    project_ids = session.scalars(select(Project.id).where(Project.profile_id == owner.id)
                                  .order_by(Project.created_at, Project.id)).all()
    for project_id in project_ids:
        project, request = _lock_for_change(session, project_id, owner.id)
        if project is None or project.profile_id != owner.id:
            continue
        heir = successor(session, project_id)
        if heir is None:
            continue
        _change_owner(session, project, owner.id, heir, now=now, keep_old=False,
                      kind=ProjectEventKind.ownership_succeeded, actor=None, request=request)
        successions.append({"project_id": str(project.id), "slug": project.slug,
                            "new_owner_id": str(heir.id), "new_owner_name": heir.display_name})
    return successions


def on_ban(session, target: Profile, *, now: datetime) -> list[dict]:
    """A ban: the owned projects pass on, the builder's pending requests turn void and every
    pending invite and link they created is revoked. Returns ``successions``."""
    successions = pass_on_projects(session, target, now=now)
    session.execute(update(OwnershipRequest).where(
        OwnershipRequest.requester_id == target.id, OwnershipRequest.status == S.pending)
        .values(status=S.void, resolved_at=now).execution_options(synchronize_session=False))
    session.execute(update(TeamInvite).where(
        TeamInvite.sender_id == target.id, TeamInvite.status == InviteStatus.pending)
        .values(status=InviteStatus.revoked, responded_at=now)
        .execution_options(synchronize_session=False))
    return successions


# --- ownership requests -----------------------------------------------------------------

def _live_event_id(session, project_id):
    """The project's most recently entered event that is live, or None."""
    return session.scalar(
        select(EventProject.event_id).join(Event, Event.id == EventProject.event_id)
        .where(EventProject.project_id == project_id, Event.status == EventStatus.active)
        .order_by(EventProject.submitted_at.desc(), EventProject.id.desc()).limit(1))


def request_ownership(session, project: Project, requester: Profile, *, now: datetime,
                      request_hours: int, idle_hours: int) -> OwnershipRequest:
    """A member asks to take over a project whose owner has gone quiet in a live event.

    Checked in order: Forbidden "Only team members can request ownership" (Conflict "You
    are the owner of this project" for the owner); then Conflict: not in a live event, the
    owner seen within ``idle_hours``, a request already pending (the partial unique index
    has the last word), this requester declined here within 7 days. It passes at
    ``decide_by`` (now + ``request_hours``) unless the owner keeps ownership.
    """
    if project.profile_id == requester.id:
        raise Conflict(YOU_OWN_IT)
    locked = session.scalar(select(Project).where(Project.id == project.id)
                            .with_for_update(key_share=True)
                            .execution_options(populate_existing=True))
    if locked is None or _member_row(session, project.id, requester.id) is None:
        raise Forbidden(ONLY_MEMBERS)
    event_id = _live_event_id(session, project.id)
    if event_id is None:
        raise Conflict(NOT_LIVE)
    owner = session.get(Profile, locked.profile_id)
    if owner.last_seen_at is not None and owner.last_seen_at > now - timedelta(hours=idle_hours):
        raise Conflict(owner_active_message(idle_hours))
    if session.scalar(select(exists().where(OwnershipRequest.project_id == project.id,
                                            OwnershipRequest.status == S.pending))):
        raise Conflict(ALREADY_PENDING)
    if session.scalar(select(exists().where(
            OwnershipRequest.project_id == project.id,
            OwnershipRequest.requester_id == requester.id,
            OwnershipRequest.status == S.declined,
            OwnershipRequest.resolved_at > now - DECLINE_COOLDOWN))):
        raise Conflict(DECLINED_RECENTLY)
    request = OwnershipRequest(project_id=project.id, requester_id=requester.id,
                               owner_id=owner.id, event_id=event_id, status=S.pending,
                               decide_by=now + timedelta(hours=request_hours), created_at=now)
    try:
        with session.begin_nested():
            session.add(request)
            session.flush()
    except IntegrityError:
        raise Conflict(ALREADY_PENDING) from None
    record_history(session, locked, requester, ProjectEventKind.ownership_requested,
                   None, now=now)
    notices.ownership_requested(session, request, locked, requester, now=now)
    return request


def _locked_request(session, request_id) -> OwnershipRequest | None:
    return session.scalar(select(OwnershipRequest).where(OwnershipRequest.id == request_id)
                          .with_for_update().execution_options(populate_existing=True))


def keep_ownership(session, request_id, owner: Profile, *, now: datetime) -> OwnershipRequest:
    """The owner keeps the project: the request is declined. NotFound (404) for anyone but
    the project's owner; Conflict when it is no longer pending or decide_by has passed."""
    request = _locked_request(session, request_id)
    if request is None:
        raise NotFound()
    project = session.get(Project, request.project_id)
    if project.profile_id != owner.id:
        raise NotFound()
    if request.status != S.pending:
        raise Conflict(NOT_PENDING)
    if now >= request.decide_by:
        raise Conflict(TOO_LATE)
    request.status, request.resolved_at = S.declined, now
    session.flush()
    requester = session.get(Profile, request.requester_id)
    record_history(session, project, owner, ProjectEventKind.ownership_request_declined,
                   requester.display_name, now=now)
    notices.ownership_request_declined(session, request, project, owner, now=now)
    return request


def withdraw_request(session, request_id, requester: Profile, *,
                     now: datetime) -> OwnershipRequest:
    """The requester takes the request back. NotFound (404) for anyone else; Conflict
    when it is no longer pending."""
    request = _locked_request(session, request_id)
    if request is None or request.requester_id != requester.id:
        raise NotFound()
    if request.status != S.pending:
        raise Conflict(NOT_PENDING)
    request.status, request.resolved_at = S.withdrawn, now
    session.flush()
    record_history(session, session.get(Project, request.project_id), requester,
                   ProjectEventKind.ownership_request_withdrawn, None, now=now)
    return request


# --- the every-minute job ---------------------------------------------------------------

def _reminded():
    """SQL: this request's reminder is already written (its dedupe key, by its owner)."""
    key = literal(notices.ownership_reminder_key("")) + cast(OwnershipRequest.id, Text)
    return exists().where(Notification.recipient_id == OwnershipRequest.owner_id,
                          Notification.dedupe_key == key)


def remind_due(session, *, now: datetime) -> int:
    """Remind the owner of each pending request that passes within 24 hours (once per
    request: the notification's dedupe key). Returns how many were due a reminder."""
    rows = session.execute(
        select(OwnershipRequest.id, OwnershipRequest.project_id, OwnershipRequest.owner_id,
               OwnershipRequest.requester_id)
        .where(OwnershipRequest.status == S.pending, OwnershipRequest.decide_by > now,
               OwnershipRequest.decide_by <= now + REMIND_BEFORE,
               ~_reminded())
        .order_by(OwnershipRequest.decide_by)).all()
    for row in rows:
        project = session.get(Project, row.project_id)
        requester = session.get(Profile, row.requester_id)
        notices.ownership_request_reminder(session, row.id, project, row.owner_id, requester,
                                           now=now)
    return len(rows)


def due_request_ids(session, *, now: datetime) -> list:
    """Pending requests whose decide_by has come (the partial index on decide_by)."""
    return list(session.scalars(
        select(OwnershipRequest.id).where(OwnershipRequest.status == S.pending,
                                          OwnershipRequest.decide_by <= now)
        .order_by(OwnershipRequest.decide_by, OwnershipRequest.id)))


def pass_due_request(session, request_id, *, now: datetime) -> S | None:
    """Settle one due request: still pending, same owner and the requester an eligible
    member → the project passes to them (the old owner stays a member) and the request is
    transferred; otherwise it turns void. It passes even after the event left "live".
    Returns the new status, or None when there was nothing to do."""
    request = session.get(OwnershipRequest, request_id)
    if request is None:
        return None
    project, locked = _lock_for_change(session, request.project_id, request.owner_id)
    if locked is None or locked.id != request_id or locked.decide_by > now:
        return None  # settled by someone else, or not due
    requester = _eligible_member(session, request.project_id, request.requester_id)
    if project is None or project.profile_id != request.owner_id or requester is None:
        void_request(locked, now=now)
        session.flush()
        return S.void
    _change_owner(session, project, request.owner_id, requester, now=now, keep_old=True,
                  kind=ProjectEventKind.ownership_passed, actor=None, request=locked,
                  request_status=S.transferred)
    return S.transferred
