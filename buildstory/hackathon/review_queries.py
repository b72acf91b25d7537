"""Reads of the review and judge pages (docs/rules.md "Peer review", "Judging")."""
from __future__ import annotations

from sqlalchemy import select, union

from ..profiles.models import Profile
from ..profiles.queries import visible
from ..projects.models import Project
from ..teams.models import ProjectMember
from .models import HackathonReview, JudgeScore


def team(session, project) -> list[Profile]:
    """The visible people on the project's team, the owner first (one statement)."""
    # A union of ids, not "id = owner OR id IN (members)": the OR made PostgreSQL read
    # every profile instead of probing the primary key (tests/domain/test_review_page_explain.py).
    people = union(select(Project.profile_id).where(Project.id == project.id),
                   select(ProjectMember.profile_id).where(ProjectMember.project_id == project.id))
    return list(session.scalars(
        select(Profile).where(Profile.id.in_(people), visible(Profile))
        .order_by((Profile.id != project.profile_id), Profile.display_name)))


def own_reviews(session, event_id, profile_id) -> list[tuple[HackathonReview, Project]]:
    """The reviewer's reviews in the event with their projects, newest first."""
    return list(session.execute(
        select(HackathonReview, Project).join(Project, Project.id == HackathonReview.project_id)
        .where(HackathonReview.reviewer_profile_id == profile_id,
               HackathonReview.event_id == event_id)
        .order_by(HackathonReview.created_at.desc(), HackathonReview.id)))


def own_scores(session, event_id, profile_id) -> list[tuple[JudgeScore, Project]]:
    """The judge's scores in the event with their projects, newest first."""
    return list(session.execute(
        select(JudgeScore, Project).join(Project, Project.id == JudgeScore.project_id)
        .where(JudgeScore.judge_profile_id == profile_id, JudgeScore.event_id == event_id)
        .order_by(JudgeScore.created_at.desc(), JudgeScore.id)))
