"""Project rules and writes: create, edit, delete, enter in events (docs/rules.md "Projects").

Services take a session, flush and never commit; they raise ``buildstory.errors`` with
the exact messages of docs/rules.md "Projects". The database's unique indexes are the last word on
slugs and entries: a lost race becomes the same message as the check before it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError

from .. import storage
from ..enums import ProjectEventKind
from ..errors import Conflict, Forbidden, ValidationFailed
from ..events.models import Event, EventRegistration
from ..events.rules import accepts_entries
from ..hackathon import counters
from ..hackathon import search_text
from ..hackathon.models import EventSubmission
from ..profiles.models import Profile
from ..webhooks import services as webhooks
from ..notifications import services as notifications
from . import access, forms, queries
from .models import EventProject, Project, ProjectEvent
from .rules import SLUG_TAKEN, normalise_slug

NOT_OWNER = "You do not own this project"
NOT_ON_TEAM = "You are not on this project's team"
REGISTER_FIRST = "Register for this event first"
ENTRIES_CLOSED = "Submissions are not open for this event"
ALREADY_ENTERED = "This project is already entered in this event"
NOT_ENTERED = "This project is not entered in this event"
WITHDRAW_SUBMISSION_FIRST = "Withdraw the submission first"

SLUG_CONSTRAINT = "uq_projects_slug"
ENTRY_CONSTRAINT = "uq_event_projects_event_id_project_id"


def _constraint(exc: IntegrityError) -> str | None:
    """Return the name of the constraint a failed statement broke, when the driver says."""
    diag = getattr(exc.orig, "diag", None)
    return getattr(diag, "constraint_name", None)


def _validated(session, values: dict, project: Project | None = None) -> dict:
    """Return the cleaned fields, or raise ValidationFailed with every field's message."""
    cleaned, errors = forms.clean(values)
    if "slug" not in errors:
        status, _slug, message = queries.slug_status(session, cleaned["slug"], project)
        suggested = cleaned["slug"] == normalise_slug(values.get("slug_auto"))
        if status == queries.TAKEN and suggested:  # made from the name: take a free variant
            cleaned["slug"] = queries.free_slug(session, cleaned["slug"], project)
        elif status == queries.TAKEN:
            errors["slug"] = message
    if errors:
        raise ValidationFailed({f: errors[f] for f in forms.FIELDS if f in errors})
    return cleaned


def _flush_slug(session, apply) -> None:
    """Run ``apply`` and flush in a savepoint; a slug lost to a concurrent writer is "taken"."""
    try:
        with session.begin_nested():
            apply()
            session.flush()
    except IntegrityError as exc:
        if _constraint(exc) == SLUG_CONSTRAINT:
            raise ValidationFailed({"slug": SLUG_TAKEN}) from None
        raise


def create_project(session, owner: Profile, values: dict, *, now: datetime) -> Project:
    """Create a project owned by ``owner``; raise ValidationFailed (422) for bad fields."""
    cleaned = _validated(session, values)
    project = Project(profile_id=owner.id, created_at=now, updated_at=now, **cleaned)
    project.owner = owner
    _flush_slug(session, lambda: session.add(project))
    webhooks.emit(session, "project_created",
                  {"project_slug": project.slug, "name": project.name,
                   "owner_username": owner.username},
                  f"project_created:{project.id}", subject_id=project.id)
    return project


def update_project(session, project: Project, actor: Profile, values: dict, *,
                   now: datetime) -> Project:
    """Save the owner's changes; raise Forbidden (403) for anyone else, ValidationFailed (422)."""
    if not access.can_edit(project, actor):
        raise Forbidden(NOT_OWNER)
    cleaned = _validated(session, values, project)
    renamed = cleaned.get("name", project.name) != project.name

    def apply():
        for field, value in cleaned.items():
            setattr(project, field, value)
        project.updated_at = now

    _flush_slug(session, apply)
    if renamed:  # the showcase searches the project name through its submissions
        search_text.rewrite_for_project(session, project.id, project.name)
    return project


def delete_project(session, project: Project, actor: Profile) -> None:
    """Delete the owner's project with its members, invites, entries and history.

    The foreign keys cascade in the database, so it all goes in this one transaction.
    Raises Forbidden (403) for anyone but the owner.
    """
    if not access.can_edit(project, actor):
        raise Forbidden(NOT_OWNER)
    notifications.delete_about_project(session, project.id)
    tool_ids = counters.lock_project_submissions(session, [project.id])
    session.delete(project)
    session.flush()
    storage.released(session)  # its images' objects (cascade) go after the commit
    counters.recount_tools(session, tool_ids)  # its submissions no longer use them


def record_history(session, project: Project, actor: Profile | None, kind: ProjectEventKind,
                   subject_name: str | None, *, now: datetime) -> ProjectEvent:
    """Add one line of team history with name snapshots of the actor and subject."""
    row = ProjectEvent(project_id=project.id, actor_profile_id=actor.id if actor else None,
                       actor_name=actor.display_name if actor else "Buildstory",
                       kind=kind, subject_name=subject_name, created_at=now)
    session.add(row)
    session.flush()
    return row


def _check_team_and_window(project: Project, event: Event, actor: Profile) -> None:
    if not access.is_on_team(project, actor):
        raise Forbidden(NOT_ON_TEAM)
    if not accepts_entries(event):
        raise Conflict(ENTRIES_CLOSED)


def enter_event(session, project: Project, event: Event, actor: Profile, *,
                now: datetime) -> EventProject:
    """Enter the project in the event on behalf of its owner or a member.

    Raises Forbidden (403) for someone off the team; Conflict (409) when the event takes
    no entries, the actor is not registered for it, or the project is already in it.
    """
    _check_team_and_window(project, event, actor)
    registered = session.scalar(select(exists().where(
        EventRegistration.event_id == event.id, EventRegistration.profile_id == actor.id)))
    if not registered:
        raise Conflict(REGISTER_FIRST)
    already = session.scalar(select(exists().where(
        EventProject.event_id == event.id, EventProject.project_id == project.id)))
    if already:
        raise Conflict(ALREADY_ENTERED)
    entry = EventProject(event_id=event.id, project_id=project.id, entered_by=actor.id,
                         submitted_at=now)
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError as exc:
        if _constraint(exc) == ENTRY_CONSTRAINT:
            raise Conflict(ALREADY_ENTERED) from None
        raise
    record_history(session, project, actor, ProjectEventKind.entered_event, event.name, now=now)
    return entry


def leave_event(session, project: Project, event: Event, actor: Profile, *,
                now: datetime) -> None:
    """Remove the project from the event while it takes entries (the owner alone: a
    member who is not registered could not put it back) and record it in team history.

    Raises Forbidden (403) for anyone but the owner; Conflict (409) when entries are
    closed or the project is not entered.
    """
    if not access.is_owner(project, actor):
        raise Forbidden(NOT_OWNER)
    _check_team_and_window(project, event, actor)
    submitted = session.scalar(select(exists().where(
        EventSubmission.event_id == event.id, EventSubmission.project_id == project.id)))
    if submitted:  # removing the entry would delete the submission with it
        raise Conflict(WITHDRAW_SUBMISSION_FIRST)
    removed = session.execute(delete(EventProject).where(
        EventProject.event_id == event.id, EventProject.project_id == project.id)).rowcount
    if not removed:
        raise Conflict(NOT_ENTERED)
    record_history(session, project, actor, ProjectEventKind.left_event, event.name, now=now)
