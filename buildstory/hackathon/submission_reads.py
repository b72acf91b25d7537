"""Reads of one submission: its page, its share card's inputs, whether a viewer is on
its team (docs/rules.md "Showcase and share cards"). One statement each."""
from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam, exists, or_, select
from sqlalchemy.orm import aliased

from ..events.models import Event
from ..profiles.models import Profile
from ..projects.models import Project
from ..teams.models import ProjectMember
from .cards import CardInputs
from .models import EventSubmission, SubmissionImage
from .showcase import Card, add_extras


@cache
def _submission_statement():
    saver = aliased(Profile)
    hidden = or_(Project.hidden_at.is_not(None), Profile.hidden_at.is_not(None),
                 Profile.banned_at.is_not(None))
    return (select(EventSubmission, Project, Profile, SubmissionImage.hash,
                   SubmissionImage.width, SubmissionImage.height,
                   saver.display_name.label("saver_name"), hidden.label("hidden"))
            .join(Project, Project.id == EventSubmission.project_id)
            .join(Profile, Profile.id == Project.profile_id)
            .outerjoin(SubmissionImage, SubmissionImage.submission_id == EventSubmission.id)
            .outerjoin(saver, saver.id == EventSubmission.submitted_by)
            .where(EventSubmission.event_id == bindparam("event_id"),
                   Project.slug == bindparam("slug")))


@cache
def _submission_by_id_statement():
    hidden = or_(Project.hidden_at.is_not(None), Profile.hidden_at.is_not(None),
                 Profile.banned_at.is_not(None))
    return (select(EventSubmission, Project, Profile, Event, hidden.label("hidden"))
            .join(Project, Project.id == EventSubmission.project_id)
            .join(Profile, Profile.id == Project.profile_id)
            .join(Event, Event.id == EventSubmission.event_id)
            .where(EventSubmission.id == bindparam("id")))


def submission_for_page(session, event, project_slug: str):
    """Return the row (submission, project, owner, image hash/width/height, saver name,
    hidden) of ``project_slug`` in the event, or None. One statement."""
    return session.execute(_submission_statement(),
                           {"event_id": event.id, "slug": project_slug}).first()


def submission_by_id(session, submission_id):
    """Return (submission, project, owner, event, hidden) or None. One statement."""
    return session.execute(_submission_by_id_statement(), {"id": submission_id}).first()


def on_team(team: list, viewer_id) -> bool:
    """True when the viewer is in the card's team list (owner first)."""
    return viewer_id is not None and any(str(p["id"]) == str(viewer_id) for p in team)


def is_team_member(session, project, viewer_id) -> bool:
    """True when the viewer owns or is a member of the project (one indexed probe)."""
    if viewer_id is None:
        return False
    if project.profile_id == viewer_id:
        return True
    return session.scalar(select(exists().where(ProjectMember.project_id == project.id,
                                                ProjectMember.profile_id == viewer_id)))



def card_of(submission, project, hidden: bool) -> Card:
    """Return the showcase Card of one loaded submission (extras not filled yet)."""
    return Card(submission.id, project.id, project.name, project.slug, submission.what_built,
                submission.submitted_at, submission.highlight_count, hidden)


def card_inputs(event, project, submission, card: Card) -> CardInputs:
    """Return what the share card draws, from a card whose extras are filled."""
    return CardInputs(project.name, submission.what_built, tuple(t["name"] for t in card.tools),
                      tuple(p["name"] for p in card.team), event.name)


def current_card_inputs(session, submission_id) -> CardInputs | None:
    """Return the share card's inputs of a submission, or None when unknown (two
    statements: the submission, then its extras)."""
    row = submission_by_id(session, submission_id)
    if row is None:
        return None
    card = card_of(row[0], row[1], row.hidden)
    add_extras(session, row[3], [card])
    return card_inputs(row[3], row[1], row[0], card)
