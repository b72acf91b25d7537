"""Reads of the help page and the admin stats (docs/rules.md "Mentor help").

The mentors' queue is one statement: the page of open requests of the viewer's kinds
(oldest first, visible projects only, with the total) and the requests the viewer holds.
The poll's digest is computed from exactly those rows, so a poll that finds nothing new
costs that one statement and answers 204.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import and_, exists, false, func, literal, or_, select, true, union_all
from sqlalchemy.orm import aliased

from ..enums import EventStatus, HelpRequestStatus as S
from ..errors import NotFound
from ..events.models import Event
from ..profiles.models import Profile
from ..profiles.queries import visible
from ..projects.models import EventProject, Project
from ..projects.queries import visible_project
from ..teams.models import ProjectMember
from .models import HelpRequest, Mentor

PER_PAGE = 50
TEAM_LIMIT = 20
STATS_MENTORS = 50


def digest(rows, *extra) -> str:
    """A short digest of the ids and updated_at of what a block shows."""
    text = "|".join([*(f"{r.id}:{r.updated_at.isoformat()}" for r in rows), *map(str, extra)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def event_or_404(session, slug: str) -> Event:
    event = session.scalar(select(Event).where(Event.slug == slug))
    if event is None or event.status == EventStatus.draft:
        raise NotFound()
    return event


def mentor_row(session, profile_id) -> Mentor | None:
    return session.get(Mentor, profile_id)


def is_mentor(session, profile_id) -> bool:
    """A profile with a mentors row (the badge; banned profiles show no page at all)."""
    return bool(session.scalar(select(exists().where(Mentor.profile_id == profile_id))))


def _on_team(profile_id, project=Project):
    return or_(project.profile_id == profile_id,
               exists().where(ProjectMember.project_id == project.id,
                              ProjectMember.profile_id == profile_id))


def team_projects(session, event, profile) -> list[Project]:
    """The viewer's projects entered in ``event`` (owned first, then by name)."""
    return list(session.scalars(
        select(Project).join(EventProject, and_(EventProject.project_id == Project.id,
                                                EventProject.event_id == event.id))
        .where(_on_team(profile.id))
        .order_by((Project.profile_id == profile.id).desc(), Project.name)))


def team_requests(session, event, profile) -> list:
    """The latest requests of the viewer's teams in ``event`` (newest first), each with
    its project's name and the claiming mentor's name."""
    mentor = aliased(Profile)
    return session.execute(
        select(HelpRequest, Project.name.label("project_name"),
               mentor.display_name.label("mentor_name"))
        .join(Project, Project.id == HelpRequest.project_id)
        .outerjoin(mentor, mentor.id == HelpRequest.mentor_id)
        .where(HelpRequest.event_id == event.id, HelpRequest.hidden_at.is_(None),
               _on_team(profile.id))
        .order_by(HelpRequest.created_at.desc(), HelpRequest.id.desc())
        .limit(TEAM_LIMIT)).all()


@dataclass
class Queue:
    rows: list = field(default_factory=list)      # open requests of this page
    mine: list = field(default_factory=list)      # requests the viewer holds
    total: int = 0
    page: int = 1
    digest: str = ""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))


def _card_columns(mine: bool):
    owner = aliased(Profile)
    return (select(HelpRequest.id, HelpRequest.kind, HelpRequest.topic, HelpRequest.details,
                   HelpRequest.meeting_url, HelpRequest.status, HelpRequest.created_at,
                   HelpRequest.updated_at, HelpRequest.project_id, HelpRequest.opened_by,
                   Project.profile_id.label("project_owner_id"),
                   Project.name.label("project_name"), Project.slug.label("project_slug"),
                   (func.count().over() if not mine else literal(0)).label("total"),
                   (true() if mine else false()).label("mine"))
            .join(Project, Project.id == HelpRequest.project_id)
            .join(owner, owner.id == Project.profile_id), owner)


def queue(session, event, profile, kinds, *, page: int = 1, in_progress: bool = False) -> Queue:
    """One statement: the page of open requests of ``kinds`` (and, for moderators, those
    in progress) and the viewer's claimed ones."""
    open_q, owner = _card_columns(False)
    shown = HelpRequest.status.in_((S.open, S.claimed)) if in_progress else \
        HelpRequest.status == S.open
    open_q = (open_q.where(HelpRequest.event_id == event.id, shown,
                           HelpRequest.hidden_at.is_(None), HelpRequest.kind.in_(kinds),
                           visible_project(Project, owner))
              .order_by(HelpRequest.created_at, HelpRequest.id)
              .limit(PER_PAGE).offset((page - 1) * PER_PAGE))
    mine_q, _ = _card_columns(True)
    mine_q = (mine_q.where(HelpRequest.mentor_id == profile.id, HelpRequest.status == S.claimed,
                           HelpRequest.event_id == event.id)
              .order_by(HelpRequest.claimed_at, HelpRequest.id))
    both = union_all(open_q.subquery().select(), mine_q.subquery().select())
    rows = session.execute(both).all() if kinds else session.execute(mine_q).all()
    result = Queue(page=page)
    for row in rows:
        (result.mine if row.mine else result.rows).append(row)
    result.total = result.rows[0].total if result.rows else 0
    result.digest = digest(rows, result.total)
    return result


def hidden_requests(session, event) -> list:
    """Hidden requests of the event (moderators unhide them), newest first."""
    return session.execute(
        select(HelpRequest.id, HelpRequest.kind, HelpRequest.topic, HelpRequest.details,
               HelpRequest.status, HelpRequest.created_at, HelpRequest.updated_at,
               HelpRequest.hidden_at, Project.name.label("project_name"))
        .join(Project, Project.id == HelpRequest.project_id)
        .where(HelpRequest.event_id == event.id, HelpRequest.hidden_at.is_not(None))
        .order_by(HelpRequest.hidden_at.desc()).limit(PER_PAGE)).all()


def _minutes(seconds):
    return None if seconds is None else int(round(seconds / 60))


def _median(later, earlier):
    return func.percentile_cont(0.5).within_group(func.extract("epoch", later - earlier))


def stats(session, event) -> dict:
    """The "Mentor help" section: two statements."""
    hr = HelpRequest
    totals = session.execute(
        select(*[func.count().filter(hr.status == s).label(s.value) for s in S],
               func.count().filter(hr.hidden_at.is_not(None)).label("hidden"),
               _median(hr.first_claimed_at, hr.created_at).filter(
                   hr.first_claimed_at.is_not(None)).label("to_claim"),
               _median(hr.resolved_at, hr.created_at).filter(
                   hr.resolved_at.is_not(None)).label("to_resolve"))
        .where(hr.event_id == event.id)).one()
    resolved = func.count().filter(hr.status == S.resolved)
    mentors = session.execute(
        select(Profile.display_name, Profile.username,
               func.count().filter(hr.status == S.claimed).label("claimed"),
               resolved.label("resolved"),
               _median(hr.resolved_at, hr.claimed_at).filter(
                   hr.status == S.resolved).label("to_resolve"),
               func.avg(hr.rating).label("rating"), func.count(hr.rating).label("ratings"))
        .join(Profile, Profile.id == hr.mentor_id)
        .where(hr.event_id == event.id)
        .group_by(Profile.id).order_by(resolved.desc(), Profile.display_name, Profile.id)
        .limit(STATS_MENTORS)).all()
    return {"counts": {s: getattr(totals, s.value) for s in S}, "hidden": totals.hidden,
            "to_claim": _minutes(totals.to_claim), "to_resolve": _minutes(totals.to_resolve),
            "mentors": [{"name": m.display_name, "username": m.username, "claimed": m.claimed,
                         "resolved": m.resolved, "to_resolve": _minutes(m.to_resolve),
                         "rating": None if m.rating is None else round(float(m.rating), 1),
                         "ratings": m.ratings} for m in mentors]}
