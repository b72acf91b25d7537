"""When each notification fires: one function per trigger, called once by the service
that makes the change, in its transaction (docs/rules.md "Notifications").

Each takes the session and the objects the service already holds, so a trigger costs
the service one call and (with the mail hand-off) at most two statements. The
hackathon's four (``submission_made``, ``review_received``, ``judge_assigned``,
``results_published``) are ready for the hackathon services to call.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update

from ..enums import EventStatus, NotificationType as T
from ..projects.models import Project
from ..teams.models import ProjectMember
from . import fanout, registry
from .models import Notification
from .services import notify

ANNOUNCED_STATUSES = (EventStatus.active, EventStatus.judging, EventStatus.complete)


def _team_ids(session, project) -> list:
    """Return the owner's and the members' profile ids of ``project``."""
    members = session.scalars(select(ProjectMember.profile_id)
                              .where(ProjectMember.project_id == project.id)).all()
    return [project.profile_id, *members]


# --- teams -------------------------------------------------------------------------------

def invite_sent(session, invite, project, sender, *, now: datetime) -> None:
    """A direct invite: its recipient hears of it (linking to their inbox)."""
    notify(session, T.team_invite, recipients=[invite.recipient_id], actor=sender,
           title=project.name, project_id=project.id, subject_id=invite.id, now=now)


def invite_revoked(session, invite) -> None:
    """A revoked invite takes its notification with it."""
    session.execute(delete(Notification).where(Notification.type == T.team_invite,
                                               Notification.subject_id == invite.id)
                    .execution_options(synchronize_session=False))


def _invites_answered(session, project_id, recipient_id, *, now: datetime) -> None:
    """The recipient's invite notices for this team are read once one is answered."""
    session.execute(update(Notification).where(
        Notification.type == T.team_invite, Notification.recipient_id == recipient_id,
        Notification.project_id == project_id, Notification.read_at.is_(None))
        .values(read_at=now).execution_options(synchronize_session=False))


def invite_accepted(session, invite, project, member, *, now: datetime) -> None:
    """Someone joined: the sender hears "accepted" (a direct invite) or the owner hears
    "joined … with an invite link"; the joiner's invite notices for the team are read."""
    if invite.type == "link":
        notify(session, T.member_joined, recipients=[project.profile_id], actor=member,
               title=project.name, project_id=project.id, subject_id=invite.id, now=now)
        return
    _invites_answered(session, project.id, member.id, now=now)
    notify(session, T.invite_accepted, recipients=[invite.sender_id], actor=member,
           title=project.name, project_id=project.id, subject_id=invite.id, now=now)


def invite_declined(session, invite, project, recipient, *, now: datetime) -> None:
    """The sender hears the invite was declined; the recipient's notice of it is read."""
    _invites_answered(session, project.id, recipient.id, now=now)
    notify(session, T.invite_declined, recipients=[invite.sender_id], actor=recipient,
           title=project.name, project_id=project.id, subject_id=invite.id, now=now)


def join_requested(session, request, project, requester, *, now: datetime) -> None:
    """The owner hears a builder asked to join."""
    notify(session, T.join_request_received, recipients=[project.profile_id], actor=requester,
           title=project.name, project_id=project.id, subject_id=request.id, now=now)


def join_request_answered(session, request, project, owner, *, accepted: bool,
                          now: datetime) -> None:
    """The requester hears the owner accepted or declined their request."""
    notify(session, T.join_request_accepted if accepted else T.join_request_declined,
           recipients=[request.requester_id], actor=owner, title=project.name,
           project_id=project.id, subject_id=request.id, now=now)


def member_left(session, project, member, *, now: datetime) -> None:
    """The owner hears a member left."""
    notify(session, T.member_left, recipients=[project.profile_id], actor=member,
           title=project.name, project_id=project.id, now=now)


def member_removed(session, project, owner, member_profile_id, *, now: datetime) -> None:
    """The removed member hears of it."""
    notify(session, T.member_removed, recipients=[member_profile_id], actor=owner,
           title=project.name, project_id=project.id, now=now)


# --- ownership ---------------------------------------------------------------------------

def ownership_reminder_key(request_id) -> str:
    return f"ownership_request_reminder:{request_id}"


def ownership_transferred(session, project, new_owner, *, actor=None, now: datetime) -> None:
    """Ownership passed by any path: the new owner hears it (the old one named when it was
    their choice; nobody for the job or a succession)."""
    notify(session, T.ownership_transferred, recipients=[new_owner.id], actor=actor,
           title=project.name, project_id=project.id, now=now)


def ownership_requested(session, request, project, requester, *, now: datetime) -> None:
    """A member asked to take over: the owner hears it (and may keep ownership)."""
    notify(session, T.ownership_requested, recipients=[request.owner_id], actor=requester,
           title=project.name, project_id=project.id, subject_id=request.id, now=now)


def ownership_request_reminder(session, request_id, project, owner_id, requester, *,
                               now: datetime) -> None:
    """A day before a request passes, its owner is reminded, once per request."""
    notify(session, T.ownership_request_reminder, recipients=[owner_id], actor=requester,
           title=project.name, project_id=project.id, subject_id=request_id,
           dedupe_key=ownership_reminder_key(request_id), now=now)


def ownership_request_declined(session, request, project, owner, *, now: datetime) -> None:
    """The owner kept ownership: the requester hears it."""
    notify(session, T.ownership_request_declined, recipients=[request.requester_id], actor=owner,
           title=project.name, project_id=project.id, subject_id=request.id, now=now)


# --- moderation --------------------------------------------------------------------------

def project_visibility(session, project, moderator, *, hidden: bool,
                       now: datetime | None = None) -> None:
    """The owner hears a moderator hid (or unhid) their project; the moderator is unnamed."""
    notify(session, T.project_hidden if hidden else T.project_unhidden,
           recipients=[project.profile_id], actor=moderator, title=project.name,
           project_id=project.id, now=now)


# --- events ------------------------------------------------------------------------------

def event_status(session, event, actor) -> None:
    """The first time an event goes live, into judging or complete, every registrant hears
    it (a fan-out: the audience is unbounded). Going back and forth notifies once."""
    status = EventStatus(event.status)
    if status not in ANNOUNCED_STATUSES:
        return
    fanout.fan_out(session, T.event_status, audience="event_registrants", subject_id=event.id,
                   dedupe_key=registry.event_status_key(event.id, status), title=event.name,
                   event_id=event.id, actor=actor)


def results_published(session, event, *, actor=None, team_ids=()) -> None:
    """Version 1 of an event's results: every registrant (through the fan-out) and every
    member of a ranked project's team (``team_ids``, in the request, 50 at a time) hears it
    once; one dedupe key, so a registrant on a ranked team gets one row. A corrected
    version notifies nobody (the caller does not call this)."""
    fanout.fan_out(session, T.results_published, audience="event_registrants",
                   subject_id=event.id, dedupe_key=results_key(event.id), title=event.name,
                   event_id=event.id, actor=actor)
    ids = list(dict.fromkeys(team_ids))
    for start in range(0, len(ids), 50):
        notify(session, T.results_published, recipients=ids[start:start + 50], actor=actor,
               title=event.name, event_id=event.id, subject_id=event.id,
               dedupe_key=results_key(event.id))


def results_key(event_id) -> str:
    """The once-ever key of an event's results."""
    return f"results_published:{event_id}"


# --- the hackathon ------------------------------------------------------------------------

def submission_made(session, submission, project: Project, event, actor, *,
                    now: datetime) -> None:
    """A submission's first save: the team but the submitter hears it, once per (event,
    project): a withdrawal and a new submission announce nothing twice."""
    notify(session, T.submission_made, recipients=_team_ids(session, project), actor=actor,
           title=project.name, project_id=project.id, event_id=event.id,
           subject_id=submission.id, event_name=event.name,
           dedupe_key=f"submission_made:{event.id}:{project.id}", now=now)


def review_received(session, review, project: Project, event, *, now: datetime) -> None:
    """A new review (not an edit): the project's team hears it (the reviewer is unnamed)."""
    notify(session, T.review_received, recipients=_team_ids(session, project),
           title=project.name, project_id=project.id, event_id=event.id,
           subject_id=review.id, event_name=event.name, now=now)


def judge_assigned(session, event, judge_profile_id, *, actor=None,
                   now: datetime | None = None) -> None:
    """A judge added (in a draft event: call it when the event opens): once per (event,
    judge). ``judge_profile_id`` may be a list (the judges of an event that opens)."""
    ids = judge_profile_id if isinstance(judge_profile_id, (list, tuple)) else [judge_profile_id]
    notify(session, T.judge_assigned, recipients=ids, actor=actor,
           title=event.name, event_id=event.id,
           dedupe_key=f"judge_assigned:{event.id}", now=now)
