"""Submissions: a project's entry form for an event, its demo image and its withdrawal
(docs/rules.md "Submissions").

Services take a session and explicit values, flush and never commit. Every change is
checked in the same order: the team ("You are not on this project's team", 403), a
registration for the event ("Register for this event first", 409), then the submission
window (``rules.submission_refusal``, 409). Saves of one project queue on the project's
advisory lock, so the read of the previous version, the single upsert and the trail line
agree even when the same form is submitted twice at once. Tool usage counts are recounted
(``counters.recount_tools``) for the tools a save added or removed and a withdrawal freed.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, delete, exists, func, literal, literal_column, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from .. import storage
from ..enums import AiToolCategory, ProjectEventKind
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..events.models import Event, EventRegistration
from ..notifications import triggers as notices
from ..projects import access as project_access
from ..projects import services as project_services
from ..profiles.models import Profile
from ..projects.models import EventProject, Project, ProjectEvent
from ..teams.models import ProjectMember
from ..tools.models import AiTool
from ..webhooks import services as webhooks
from . import counters, images, rules
from .models import (EventSubmission, EventSubmissionTool, HackathonReview, JudgeScore,
                     SubmissionImage)
from .search_text import search_text

NOT_ON_TEAM = project_services.NOT_ON_TEAM
REGISTER_FIRST = project_services.REGISTER_FIRST
WITHDRAW_REFUSED = "A submission with reviews or scores cannot be withdrawn"
TOO_MANY_TOOLS = "Choose at most 10 AI tools"
UNKNOWN_TOOL = "Choose tools from the list"
MAX_TOOLS = 10
OTHER_SHOWN = 20  # tools of the "other" category offered besides the chosen ones
NO_ID = uuid.UUID(int=0)

# Field → label: the form's labels, the trail's changed-field names and the messages.
LABELS = {"what_built": "What you built", "demo_url": "Demo URL",
          "repo_url": "Repository URL", "video_url": "Video URL",
          "lesson_learned": "Lesson learned", "tools": "AI tools"}
TEXT_FIELDS = ("what_built", "demo_url", "repo_url", "video_url", "lesson_learned")
IMAGE_LABEL = "Demo image"


@dataclass
class SaveResult:
    """What a save did: the submission, whether this save created it (history
    ``submitted``: the moment the team's "submission made" notification belongs to), and
    the labels of the fields it changed (empty when nothing changed and nothing was
    written)."""

    submission: EventSubmission
    created: bool
    changed: list[str] = field(default_factory=list)


# --- who and when ---------------------------------------------------------------------------

def refusal(session, project: Project, event: Event, actor, *, now: datetime) -> None:
    """Raise the first refusal of a change to the project's submission in the event:
    Forbidden off the team, Conflict when not registered or outside the window."""
    if not project_access.is_on_team(project, actor):
        raise Forbidden(NOT_ON_TEAM)
    registered = session.scalar(select(exists().where(
        EventRegistration.event_id == event.id, EventRegistration.profile_id == actor.id)))
    if not registered:
        raise Conflict(REGISTER_FIRST)
    if message := rules.submission_refusal(event, now):
        raise Conflict(message)


def _lock_submission_of(session, project: Project, event: Event) -> None:
    """Queue behind any other change of this project's submission in the event: a
    transaction-scoped advisory lock on (event, project). Not a row lock, so it takes no
    part in the row-lock order the counters keep (submission rows, then tools)."""
    session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(
        literal(f"submission:{event.id}:{project.id}"), 0))))


def find(session, event_id, project_id) -> EventSubmission | None:
    """Return the project's submission in the event (fresh from the database), or None."""
    return session.scalars(
        select(EventSubmission).where(EventSubmission.event_id == event_id,
                                      EventSubmission.project_id == project_id),
        execution_options={"populate_existing": True}).first()


def _tool_ids(session, submission_id) -> set[uuid.UUID]:
    return set(session.scalars(select(EventSubmissionTool.tool_id)
                               .where(EventSubmissionTool.submission_id == submission_id)))


# --- tools -----------------------------------------------------------------------------------

def check_tools(session, tool_ids: list[uuid.UUID | None]) -> list[uuid.UUID]:
    """Return the chosen tools (deduplicated, in order); ValidationFailed when more than
    ten, or when one is unknown, malformed (None), hidden or merged."""
    unique = list(dict.fromkeys(tool_ids))
    if len(unique) > MAX_TOOLS:
        raise ValidationFailed({"tools": TOO_MANY_TOOLS})
    if not unique:
        return []
    if any(t is None for t in unique):
        raise ValidationFailed({"tools": UNKNOWN_TOOL})
    listed = set(session.scalars(select(AiTool.id).where(
        AiTool.id.in_(unique), AiTool.hidden_at.is_(None), AiTool.merged_into_id.is_(None))))
    if len(listed) != len(unique):
        raise ValidationFailed({"tools": UNKNOWN_TOOL})
    return unique


# --- save ------------------------------------------------------------------------------------

def _ensure_entry(session, project: Project, event: Event, actor, *, now: datetime) -> None:
    """The first submission enters the project in the event (history ``entered_event``),
    under the entry rules of the projects feature."""
    entered = session.scalar(select(exists().where(
        EventProject.event_id == event.id, EventProject.project_id == project.id)))
    if entered:
        return
    try:
        project_services.enter_event(session, project, event, actor, now=now)
    except Conflict as exc:  # entered directly a moment ago: the entry is there
        if exc.message != project_services.ALREADY_ENTERED:
            raise


def _trail(session, project: Project, event: Event, actor, kind: ProjectEventKind,
           fields: list[str], *, now: datetime) -> None:
    session.add(ProjectEvent(project_id=project.id, actor_profile_id=actor.id,
                             actor_name=actor.display_name, kind=kind,
                             subject_name=event.name, created_at=now,
                             details={"event_id": str(event.id), "fields": fields}))
    session.flush()


def save_submission(session, project: Project, event: Event, actor, fields: dict,
                    tool_ids: list, *, now: datetime) -> SaveResult:
    """Create or update the project's submission in the event; return a ``SaveResult``.

    ``fields`` are the cleaned text fields (``submission_forms.clean``), ``tool_ids`` the
    chosen tool ids (checked here). ``SaveResult.created`` is True exactly for the save that
    created the submission (and wrote the ``submitted`` line); a notification of a new
    submission hooks there, never on updates. A save that changes nothing writes nothing
    (``updated_at`` kept). One upsert per (event, project): a double submit makes one row.
    """
    refusal(session, project, event, actor, now=now)
    tools = check_tools(session, tool_ids)
    _lock_submission_of(session, project, event)
    old = find(session, event.id, project.id)
    old_tools = _tool_ids(session, old.id) if old is not None else set()
    # Tools a moderator hid after they were chosen are not offered any more; they stay.
    kept_hidden = set(session.scalars(select(AiTool.id).where(
        AiTool.id.in_(old_tools), AiTool.hidden_at.is_not(None)))) if old_tools else set()
    new_tools = set(tools) | kept_hidden
    changed = [LABELS[name] for name in TEXT_FIELDS
               if old is None or getattr(old, name) != fields.get(name)]
    if old is not None and new_tools != old_tools:
        changed.append(LABELS["tools"])
    if old is not None and not changed:
        return SaveResult(old, False, [])
    if old is None:
        _ensure_entry(session, project, event, actor, now=now)
    values = {name: fields.get(name) for name in TEXT_FIELDS}
    values["search_text"] = search_text(project.name, values["what_built"])
    table = EventSubmission.__table__
    stmt = pg_insert(EventSubmission).values(
        event_id=event.id, project_id=project.id, submitted_by=actor.id,
        submitted_at=now, updated_at=now, **values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.event_id, table.c.project_id],
        set_={**{name: stmt.excluded[name] for name in values},
              "submitted_by": actor.id, "updated_at": now},
    ).returning(table.c.id, literal_column("(xmax = 0)").label("created"))
    sub_id, created = session.execute(stmt).one()
    added, removed = new_tools - old_tools, old_tools - new_tools
    if removed:
        session.execute(delete(EventSubmissionTool).where(
            EventSubmissionTool.submission_id == sub_id,
            EventSubmissionTool.tool_id.in_(list(removed))))
    if added:
        session.execute(pg_insert(EventSubmissionTool).values(
            [{"submission_id": sub_id, "tool_id": t} for t in added]).on_conflict_do_nothing())
    counters.recount_tools(session, added | removed)  # visible submissions only
    if created:
        filled = [LABELS[n] for n in TEXT_FIELDS if values[n]]
        if new_tools:
            filled.append(LABELS["tools"])
        _trail(session, project, event, actor, ProjectEventKind.submitted, filled, now=now)
        created_row = find(session, event.id, project.id)
        # The team but the submitter hears of it, and the webhook goes out: once per
        # (event, project), so a withdrawal and a new submission announce nothing twice.
        notices.submission_made(session, created_row, project, event, actor, now=now)
        webhooks.emit_submission_made(session, submission_id=sub_id, event_slug=event.slug,
                                      project_id=project.id, project_slug=project.slug,
                                      name=project.name, event_id=event.id)
        return SaveResult(created_row, True, [])
    else:
        _trail(session, project, event, actor, ProjectEventKind.submission_updated, changed,
               now=now)
    return SaveResult(find(session, event.id, project.id), bool(created),
                      changed if not created else [])


# --- demo image ------------------------------------------------------------------------------

def _existing(session, project: Project, event: Event, actor, *, now: datetime
              ) -> EventSubmission:
    """The checks of every change, the project's lock, then its submission (Conflict when
    there is none: the image form exists once a submission does)."""
    refusal(session, project, event, actor, now=now)
    _lock_submission_of(session, project, event)
    submission = find(session, event.id, project.id)
    if submission is None:
        raise Conflict("Submit the project first")
    return submission


def set_image(session, project: Project, event: Event, actor, data: bytes, *,
              now: datetime) -> SubmissionImage:
    """Store the demo image (re-encoded, with its thumbnail); the trail names "Demo image".

    Raises ImageTooLarge (413) over 5 MB and ValidationFailed (422) for anything that is not
    a JPEG, PNG, WebP or GIF of at most 40 megapixels.
    """
    refusal(session, project, event, actor, now=now)
    processed = images.process(data)  # before the lock: decoding takes a while
    submission = _existing(session, project, event, actor, now=now)
    table = SubmissionImage.__table__
    values = stored_image(session, submission.id, processed)
    stmt = pg_insert(SubmissionImage).values(submission_id=submission.id, created_at=now,
                                             **values)
    session.execute(stmt.on_conflict_do_update(
        index_elements=[table.c.submission_id],
        set_={name: stmt.excluded[name] for name in (*values, "created_at")}))
    storage.released(session)  # the replaced image's objects go after the commit
    _touch(session, submission, actor, now)
    _trail(session, project, event, actor, ProjectEventKind.submission_updated, [IMAGE_LABEL],
           now=now)
    return session.get(SubmissionImage, submission.id, populate_existing=True)


def stored_image(session, submission_id, processed: images.Processed) -> dict:
    """Store a processed demo image and its thumbnail (buildstory/storage/); return the
    row's values."""
    image = storage.put(session, storage.new_key("submissions", submission_id,
                                                 processed.hash, ".webp"),
                        processed.image, "image/webp")
    thumb = storage.put(session, storage.new_key("submissions", submission_id,
                                                 processed.hash, "-thumb.webp"),
                        processed.thumb, "image/webp")
    return {"image": None, "thumb": None, "storage_key": image, "thumb_storage_key": thumb,
            "size": len(processed.image), "hash": processed.hash, "width": processed.width,
            "height": processed.height}


def remove_image(session, project: Project, event: Event, actor, *, now: datetime) -> bool:
    """Remove the demo image; False (nothing written) when there was none."""
    submission = _existing(session, project, event, actor, now=now)
    gone = session.execute(delete(SubmissionImage).where(
        SubmissionImage.submission_id == submission.id)).rowcount
    if not gone:
        return False
    storage.released(session)  # its objects go after the commit
    _touch(session, submission, actor, now)
    _trail(session, project, event, actor, ProjectEventKind.submission_updated, [IMAGE_LABEL],
           now=now)
    return True


def _touch(session, submission: EventSubmission, actor, now: datetime) -> None:
    submission.submitted_by = actor.id
    submission.updated_at = now
    session.flush()


# --- withdraw --------------------------------------------------------------------------------

def withdraw(session, project: Project, event: Event, actor, *, now: datetime) -> bool:
    """Delete the submission with its tools, image and card, keeping the entry, and record
    ``submission_withdrawn``; False when there was none (a repeated submit). Refused once a
    review or a judge's score exists: "A submission with reviews or scores cannot be
    withdrawn" (409)."""
    refusal(session, project, event, actor, now=now)
    _lock_submission_of(session, project, event)
    submission = find(session, event.id, project.id)
    if submission is None:
        return False
    keys = {"event_id": event.id, "project_id": project.id}
    reviewed = select(exists().where(*(getattr(HackathonReview, k) == v for k, v in keys.items()))
                      | exists().where(*(getattr(JudgeScore, k) == v for k, v in keys.items())))
    if session.scalar(reviewed):
        raise Conflict(WITHDRAW_REFUSED)
    counters.lock_submissions(session, [submission.id])  # before reading its tools
    tools = _tool_ids(session, submission.id)
    session.execute(delete(EventSubmission).where(EventSubmission.id == submission.id)
                    .execution_options(synchronize_session=False))
    session.expunge(submission)
    storage.released(session)  # the image's and card's objects (cascade) after the commit
    counters.recount_tools(session, tools)
    _trail(session, project, event, actor, ProjectEventKind.submission_withdrawn, [], now=now)
    return True


# --- reads for the pages ---------------------------------------------------------------------

@dataclass
class FormState:
    submission: EventSubmission | None
    image: tuple | None  # (hash, width, height) of the demo image
    registered: bool


def form_state(session, project: Project, event: Event, viewer) -> FormState:
    """Return the submission, its image's hash and size and whether the viewer is
    registered for the event, in one statement."""
    registered = exists().where(EventRegistration.event_id == event.id,
                                EventRegistration.profile_id == viewer.id)
    one = select(literal(1).label("one")).subquery()
    stmt = (select(registered.label("registered"), EventSubmission, SubmissionImage.hash,
                   SubmissionImage.width, SubmissionImage.height)
            .select_from(one)
            .outerjoin(EventSubmission, and_(EventSubmission.event_id == event.id,
                                             EventSubmission.project_id == project.id))
            .outerjoin(SubmissionImage, SubmissionImage.submission_id == EventSubmission.id))
    row = session.execute(stmt, execution_options={"populate_existing": True}).one()
    image = (row.hash, row.width, row.height) if row.hash else None
    return FormState(row.EventSubmission, image, bool(row.registered))


def picker_tools(session, submission_id, extra_ids) -> list[tuple[AiTool, bool]]:
    """Return the tools the form offers, each with whether the submission uses it: every
    listed tool outside "other", the 20 most used in "other", and the listed ones already
    chosen (stored, or ticked in the form being shown again). One statement."""
    listed = and_(AiTool.hidden_at.is_(None), AiTool.merged_into_id.is_(None))
    top_other = (select(AiTool.id).where(listed, AiTool.category == AiToolCategory.other)
                 .order_by(AiTool.usage_count.desc(), AiTool.name).limit(OTHER_SHOWN))
    used = EventSubmissionTool.__table__
    chosen = and_(used.c.tool_id == AiTool.id,
                  used.c.submission_id == (submission_id or NO_ID))
    stmt = (select(AiTool, used.c.tool_id.is_not(None).label("used"))
            .outerjoin(used, chosen)
            .where(listed, or_(AiTool.category != AiToolCategory.other,
                               AiTool.id.in_(top_other), used.c.tool_id.is_not(None),
                               AiTool.id.in_(list(extra_ids) or [NO_ID])))
            .order_by(AiTool.category, AiTool.usage_count.desc(), AiTool.name))
    return [(tool, bool(is_used)) for tool, is_used in session.execute(stmt).all()]


def image_for_url(session, submission_id, digest: str, column, key_column):
    """Return (inline bytes, storage key, visible, project_id) of a stored demo image or
    thumbnail (``column``, ``key_column``) when ``digest`` is its current hash, else None.
    One statement."""
    stmt = (select(storage.bytes_column(column, key_column), key_column, and_(Project.hidden_at.is_(None), Profile.hidden_at.is_(None),
                                Profile.banned_at.is_(None)), Project.id)
            .select_from(SubmissionImage)
            .join(EventSubmission, EventSubmission.id == SubmissionImage.submission_id)
            .join(Project, Project.id == EventSubmission.project_id)
            .join(Profile, Profile.id == Project.profile_id)
            .where(SubmissionImage.submission_id == submission_id,
                   SubmissionImage.hash == digest))
    row = session.execute(stmt).first()
    return tuple(row) if row else None


def is_on_team(session, project_id, profile_id) -> bool:
    """True when the builder owns the project or is on its team."""
    return bool(session.scalar(select(
        exists().where(Project.id == project_id, Project.profile_id == profile_id)
        | exists().where(ProjectMember.project_id == project_id,
                         ProjectMember.profile_id == profile_id))))
