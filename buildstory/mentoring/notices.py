"""Who hears what in mentoring: one function per trigger, called by the service in its
transaction. Help notifications are titled by the request's topic cut to 60 characters;
``help_request_opened`` reaches every matching mentor (but the team) through the
notifications fan-out, the others go in the request."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import any_, func, select

from ..enums import NotificationType as T
from ..notifications import fanout
from ..notifications.services import notify
from ..projects.models import Project
from ..teams.models import ProjectMember
from . import rules
from .models import HelpRequest, Mentor

AUDIENCE = "help_mentors"


def matching_mentors(subject_id):
    """The fan-out audience of a help request: mentors whose types include its kind, who
    are not on the requesting team (walked along the ``mentors`` primary key)."""
    request = select(HelpRequest.kind, HelpRequest.project_id).where(
        HelpRequest.id == subject_id).subquery()
    kind = select(request.c.kind.cast(Mentor.mentor_types.type.item_type)).scalar_subquery()
    project = select(request.c.project_id).scalar_subquery()
    team = select(Project.profile_id).where(Project.id == project).union_all(
        select(ProjectMember.profile_id).where(ProjectMember.project_id == project))
    return Mentor.profile_id, [kind == any_(Mentor.mentor_types), Mentor.profile_id.not_in(team)]


fanout.AUDIENCES.setdefault(AUDIENCE, matching_mentors)


def _team_ids(session, project_id) -> list:
    owner = select(Project.profile_id).where(Project.id == project_id)
    members = select(ProjectMember.profile_id).where(ProjectMember.project_id == project_id)
    return list(session.scalars(owner.union_all(members)))


def mentor_granted(session, profile, admin, featured_event, *, now: datetime) -> None:
    notify(session, T.mentor_granted, recipients=[profile.id], actor=admin,
           event_id=featured_event.id if featured_event is not None else None,
           subject_id=profile.id, now=now)


def help_opened(session, request: HelpRequest, opener, project) -> None:
    fanout.fan_out(session, T.help_request_opened, audience=AUDIENCE, subject_id=request.id,
                   dedupe_key=f"help_request_opened:{request.id}",
                   title=rules.cut_title(request.topic), actor=opener,
                   project_id=project.id, event_id=request.event_id)


def team_array(project_id):
    """The team's profile ids as one array column (a claim returns it with its update)."""
    owner = select(Project.profile_id).where(Project.id == project_id)
    members = select(ProjectMember.profile_id).where(ProjectMember.project_id == project_id)
    return func.array(owner.union_all(members).scalar_subquery())


def _to_team(session, kind, request, actor, *, now: datetime, team=None) -> None:
    team = _team_ids(session, request.project_id) if team is None else team
    notify(session, kind, recipients=team, actor=actor,
           title=rules.cut_title(request.topic), project_id=request.project_id,
           event_id=request.event_id, subject_id=request.id, now=now)


def help_claimed(session, request, mentor, *, now: datetime) -> None:
    """``request`` is the claim's returned row, with the team's ids."""
    _to_team(session, T.help_request_claimed, request, mentor, now=now, team=request.team)


def help_released(session, request, mentor, *, now: datetime) -> None:
    _to_team(session, T.help_request_released, request, mentor, now=now)


def help_resolved(session, request, mentor, *, now: datetime) -> None:
    _to_team(session, T.help_request_resolved, request, mentor, now=now)


def help_cancelled(session, request, mentor_id, actor, *, now: datetime) -> None:
    notify(session, T.help_request_cancelled, recipients=[mentor_id], actor=actor,
           title=rules.cut_title(request.topic), project_id=request.project_id,
           event_id=request.event_id, subject_id=request.id, now=now)
