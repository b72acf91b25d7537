"""Who may review or judge what (docs/rules.md "Peer review", "Judging").

A **reviewer** is anyone on the team (owner or member) of a project with a visible
submission in the event. A submission is **eligible** for a person when it is visible,
nobody of the person's circle is on its team and it is not a declared conflict; the
messages below say which rule refused it. Checked when a submission is handed out (the
pick, ``queue.py``) and again when a review or score is saved (here).
"""
from __future__ import annotations

import functools

from sqlalchemy import Uuid, bindparam, exists, or_, select, union

from ..errors import Forbidden
from ..projects.models import Project
from ..teams.models import ProjectMember
from .models import ConflictOfInterest, EventJudge, EventSubmission
from .queue import _circle

NOT_A_REVIEWER = "You need a submission in this event to review others"
NOT_A_JUDGE = "You are not a judge for this event"
OWN_PROJECT = "You cannot review your own project"
MEMBER_PROJECT = "You cannot review a project you are a member of"
CONFLICT = "You have a conflict of interest with this project"
REVIEW_GIVEN = "Review the submission you were given"
SCORE_GIVEN = "Score the submission you were given"
HIDDEN_REVIEW = "This review was hidden by a moderator"


@functools.cache
def _reviewer_statement():
    """From the person's own few projects (owned or joined) to their submissions in the
    event, by the unique (event, project) index; ``visible`` is the submission's stored
    copy of its project's visibility, so no owner is joined and no submission of the
    event is walked."""
    me, e = bindparam("me", type_=Uuid), bindparam("e", type_=Uuid)
    mine = union(select(Project.id).where(Project.profile_id == me),
                 select(ProjectMember.project_id).where(ProjectMember.profile_id == me))
    return select(exists().where(EventSubmission.event_id == e,
                                 EventSubmission.project_id.in_(mine),
                                 EventSubmission.visible))


def is_reviewer(session, event_id, profile_id) -> bool:
    """True when the person is on the team of a visible submission of the event."""
    return bool(session.scalar(_reviewer_statement(), {"me": profile_id, "e": event_id}))


def is_judge(session, event_id, profile_id) -> bool:
    return session.get(EventJudge, (event_id, profile_id)) is not None


def require_judge(session, event_id, profile_id) -> None:
    if profile_id is None or not is_judge(session, event_id, profile_id):
        raise Forbidden(NOT_A_JUDGE)


@functools.cache
def _refusal_statement():
    me, project = bindparam("me", type_=Uuid), bindparam("project", type_=Uuid)
    circle = _circle()
    on_team = exists().where(ProjectMember.project_id == project, ProjectMember.profile_id == me)
    declared = exists().where(ConflictOfInterest.profile_id == me,
                              ConflictOfInterest.project_id == project)
    circle_owner = exists().where(Project.id == project,
                                  Project.profile_id == circle.c.profile_id)
    circle_member = exists().where(ProjectMember.project_id == project,
                                   ProjectMember.profile_id == circle.c.profile_id)
    owner = select(Project.profile_id).where(Project.id == project).scalar_subquery()
    return select((owner == me).label("own"), on_team.label("member"),
                  or_(declared, circle_owner, circle_member).label("conflict"))


def refusal(session, profile_id, project_id) -> str | None:
    """Why the person may not review (judge) the project, or None: their own project, a
    project they are a member of, or a conflict (declared, or someone of their circle on
    its team)."""
    own, member, conflict = session.execute(
        _refusal_statement(), {"me": profile_id, "project": project_id}).one()
    if own:
        return OWN_PROJECT
    if member:
        return MEMBER_PROJECT
    if conflict:
        return CONFLICT
    return None


def require_eligible(session, profile_id, project_id) -> None:
    if message := refusal(session, profile_id, project_id):
        raise Forbidden(message)

