"""Reads of the review and judge pages (docs/rules.md "Peer review", "Judging")."""
from __future__ import annotations

from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam, select, union

from ..profiles.models import Profile
from ..profiles.queries import visible
from ..projects.models import Project
from ..teams.models import ProjectMember
from .models import HackathonReview, JudgeScore


# The statements are built once (their SQL and cache keys too) and select only what the
# pages show: building an ORM select per request and loading whole rows cost the review
# page more than its SQL did (README "Performance").

@cache
def _team_statement():
    # A union of ids, not "id = owner OR id IN (members)": the OR made PostgreSQL read
    # every profile instead of probing the primary key (tests/domain/test_review_queue_explain.py).
    people = union(select(Project.profile_id).where(Project.id == bindparam("project_id")),
                   select(ProjectMember.profile_id)
                   .where(ProjectMember.project_id == bindparam("project_id")))
    return (select(Profile.id, Profile.display_name)
            .where(Profile.id.in_(people), visible(Profile))
            .order_by((Profile.id != bindparam("owner_id")), Profile.display_name))


def team(session, project) -> list:
    """The visible people on the project's team (``id``, ``display_name``), the owner
    first (one statement)."""
    return session.execute(_team_statement(), {"project_id": project.id,
                                               "owner_id": project.profile_id}).all()


@cache
def _own_reviews_statement():
    return (select(HackathonReview.feedback, HackathonReview.hidden_at, Project.name,
                   Project.slug)
            .join(Project, Project.id == HackathonReview.project_id)
            .where(HackathonReview.reviewer_profile_id == bindparam("profile_id"),
                   HackathonReview.event_id == bindparam("event_id"))
            .order_by(HackathonReview.created_at.desc(), HackathonReview.id))


def own_reviews(session, event_id, profile_id) -> list[tuple]:
    """The reviewer's reviews in the event, newest first: ``(review, project)`` pairs
    with the review's ``feedback`` and ``hidden_at`` and the project's ``name`` and
    ``slug``."""
    rows = session.execute(_own_reviews_statement(), {"profile_id": profile_id,
                                                      "event_id": event_id}).all()
    return [(_Review(r.feedback, r.hidden_at), _Project(r.name, r.slug)) for r in rows]


@cache
def _own_scores_statement():
    return (select(JudgeScore, Project.name, Project.slug)
            .join(Project, Project.id == JudgeScore.project_id)
            .where(JudgeScore.judge_profile_id == bindparam("profile_id"),
                   JudgeScore.event_id == bindparam("event_id"))
            .order_by(JudgeScore.created_at.desc(), JudgeScore.id))


def own_scores(session, event_id, profile_id) -> list[tuple]:
    """The judge's scores in the event with their projects' ``name`` and ``slug``,
    newest first."""
    rows = session.execute(_own_scores_statement(), {"profile_id": profile_id,
                                                     "event_id": event_id}).all()
    return [(r[0], _Project(r.name, r.slug)) for r in rows]


class _Review(NamedTuple):
    feedback: str
    hidden_at: object


class _Project(NamedTuple):
    name: str
    slug: str
