"""Event lifecycle and registration (docs/rules.md "Events"). Admin changes write one audit row each.

Services take a session and explicit arguments, flush (never commit) and raise the
errors of ``buildstory.errors`` with the exact messages of docs/rules.md "Events".
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from ..draws.models import PrizeDraw
from ..hackathon.models import EventResult
from ..audit import record
from ..enums import CommitmentLevel, EventStatus, ProjectEventKind, TeamPreference
from ..errors import Conflict, NotFound, ValidationFailed
from ..hackathon import judging
from ..hackathon.models import EventSubmission
from ..notifications import triggers as notices
from ..projects.models import EventProject, Project, ProjectEvent
from . import rules
from .models import Event, EventRegistration

EDITABLE = ("name", "slug", "description", "starts_at", "ends_at", "timezone",
            "registration_opens_at", "registration_closes_at", "submissions_close_at",
            "review_opens_at", "review_closes_at", "judges_per_submission")
WITHDRAW_SUBMISSION_FIRST = "Withdraw your project's submission first"
FEATURE_RACE = "Another event was featured at the same time. Reload and try again."


def _constraint(exc: IntegrityError) -> str:
    return getattr(getattr(exc.orig, "diag", None), "constraint_name", "") or ""


def _check_fields(session, fields: dict, event: Event | None = None) -> None:
    """Raise ValidationFailed for broken field rules or an Event URL already in use."""
    errors = rules.field_errors(fields)
    if "slug" not in errors:
        taken = select(Event.id).where(Event.slug == fields["slug"])
        if event is not None:
            taken = taken.where(Event.id != event.id)
        if session.scalar(select(exists(taken))):
            errors["slug"] = rules.SLUG_TAKEN
    if errors:
        raise ValidationFailed(errors)


def _flush_slug(session) -> None:
    """Flush inside a savepoint; a lost race for the slug becomes the "taken" message."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        if _constraint(exc) == "uq_events_slug":
            raise ValidationFailed({"slug": rules.SLUG_TAKEN}) from None
        raise


def create_event(session, actor, fields: dict) -> Event:
    """Create a draft event from checked fields; audited as create_event {name, slug}."""
    _check_fields(session, fields)
    values = {name: fields.get(name) for name in EDITABLE}
    values["judges_per_submission"] = values["judges_per_submission"] or rules.JUDGES_DEFAULT
    event = Event(status=EventStatus.draft, featured=False, **values)
    session.add(event)
    _flush_slug(session)
    record(session, actor, "create_event", name=event.name, slug=event.slug)
    return event


def update_event(session, actor, event: Event, fields: dict) -> bool:
    """Save changed fields; False when nothing changed. Audited as update_event."""
    _check_fields(session, fields, event)
    changes = {}
    for name in EDITABLE:
        if name not in fields:  # a caller that does not manage this field keeps it
            continue
        old, new = getattr(event, name), fields.get(name)
        if old != new:
            changes[name] = {"from": old, "to": new}
            setattr(event, name, new)
    if not changes:
        return False
    _flush_slug(session)
    record(session, actor, "update_event", event_id=event.id, changes=changes)
    return True


def _locked(session, event: Event) -> Event:
    """Return ``event`` re-read under a row lock (FOR UPDATE) so concurrent admins queue."""
    stmt = select(Event).where(Event.id == event.id).with_for_update()
    locked = session.scalars(stmt, execution_options={"populate_existing": True}).first()
    if locked is None:
        raise NotFound()
    return locked


def transition_status(session, actor, event: Event, target: EventStatus) -> None:
    """Move the event to ``target``; raise Conflict for a move docs/rules.md "Events" does not allow."""
    event = _locked(session, event)
    current, target = EventStatus(event.status), EventStatus(target)
    if message := rules.transition_error(current, target):
        raise Conflict(message)
    if event.featured and target == EventStatus.draft:
        raise Conflict("Unfeature this event first")
    event.status = target
    session.flush()
    record(session, actor, "transition_event_status", event_id=event.id,
           **{"from": current.value, "to": target.value})
    notices.event_status(session, event, actor)
    if current == EventStatus.draft and target != EventStatus.draft:
        judging.event_opened(session, event, actor)  # judges added while it was a draft


def feature_event(session, actor, event: Event) -> bool:
    """Feature the event, unfeaturing the previous one (each audited); False if already."""
    event = _locked(session, event)
    if EventStatus(event.status) == EventStatus.draft:
        raise Conflict("Draft events cannot be featured")
    if event.featured:
        return False
    previous = session.scalars(select(Event).where(Event.featured, Event.id != event.id)
                               .with_for_update()).all()
    try:
        with session.begin_nested():
            for other in previous:
                other.featured = False
            session.flush()  # the partial unique index allows one featured row at a time
            event.featured = True
            session.flush()
    except IntegrityError as exc:
        if _constraint(exc) == "uq_events_featured":
            raise Conflict(FEATURE_RACE) from None
        raise
    for other in previous:
        record(session, actor, "unset_featured_event", event_id=other.id)
    record(session, actor, "set_featured_event", event_id=event.id)
    return True


def unfeature_event(session, actor, event: Event) -> bool:
    """Stop featuring the event (audited); False when it was not featured."""
    event = _locked(session, event)
    if not event.featured:
        return False
    event.featured = False
    session.flush()
    record(session, actor, "unset_featured_event", event_id=event.id)
    return True


def delete_event(session, actor, event: Event) -> None:
    """Delete an unused event (audited); Conflict when featured, registered for, entered,
    drawn or with published results."""
    event = _locked(session, event)
    if event.featured:
        raise Conflict("Cannot delete the featured event")
    has_regs = exists().where(EventRegistration.event_id == event.id)
    has_entries = exists().where(EventProject.event_id == event.id)
    has_draws = exists().where(PrizeDraw.event_id == event.id)
    has_results = exists().where(EventResult.event_id == event.id)  # published results stay
    regs, used = session.execute(select(has_regs, has_entries | has_draws | has_results)).one()
    if regs:
        raise Conflict("Cannot delete an event with registrations")
    if used:
        raise Conflict("Cannot delete an event with entries or draws")
    event_id, name = event.id, event.name
    try:
        with session.begin_nested():
            session.delete(event)
            session.flush()
    except IntegrityError:  # a registration or entry arrived meanwhile (ON DELETE RESTRICT)
        raise Conflict("Cannot delete an event with registrations") from None
    record(session, actor, "delete_event", event_id=event_id, name=name)


def _open_for_registration(event: Event, now: datetime) -> None:
    if not rules.is_public(event):
        raise NotFound()
    if message := rules.registration_refusal(event, now):
        raise Conflict(message)


def register(session, event: Event, profile, *, team_preference, commitment_level=None,
             now: datetime) -> EventRegistration:
    """Register or update the builder's registration (one upsert); Conflict when closed.

    A missing commitment level keeps the one already given. Draft events are NotFound.
    """
    _open_for_registration(event, now)
    try:
        team = TeamPreference(team_preference)
    except ValueError:
        raise ValidationFailed({"team_preference": "Choose a team preference"}) from None
    commitment = CommitmentLevel(commitment_level) if commitment_level else None
    return upsert_registration(session, event, profile, team, commitment, now=now)


def upsert_registration(session, event: Event, profile, team: TeamPreference,
                        commitment: CommitmentLevel | None, *, now: datetime,
                        onboarding_completed_at: datetime | None = None) -> EventRegistration:
    """INSERT … ON CONFLICT (event_id, profile_id) DO UPDATE; no status checks (see register)."""
    table = EventRegistration.__table__
    stmt = pg_insert(EventRegistration).values(
        event_id=event.id, profile_id=profile.id, team_preference=team,
        commitment_level=commitment, registered_at=now, updated_at=now,
        onboarding_completed_at=onboarding_completed_at)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.event_id, table.c.profile_id],
        set_={"team_preference": stmt.excluded.team_preference,
              "commitment_level": func.coalesce(stmt.excluded.commitment_level,
                                                table.c.commitment_level),
              "updated_at": now},
    ).returning(EventRegistration)
    return session.scalars(stmt, execution_options={"populate_existing": True}).one()


def withdraw(session, event: Event, profile, *, now: datetime) -> bool:
    """Withdraw while registration is open, removing the entries of the builder's projects.

    Returns False when the builder was not registered (a repeated submit changes nothing).
    """
    _open_for_registration(event, now)
    owned = select(Project.id).where(Project.profile_id == profile.id)
    submitted = session.scalar(select(exists().where(
        EventSubmission.event_id == event.id, EventSubmission.project_id.in_(owned))))
    if submitted:  # taking the entries out would delete the submission
        raise Conflict(WITHDRAW_SUBMISSION_FIRST)
    gone = session.execute(
        delete(EventRegistration)
        .where(EventRegistration.event_id == event.id,
               EventRegistration.profile_id == profile.id)
        .returning(EventRegistration.id)
        .execution_options(synchronize_session=False)).first()
    if gone is None:
        return False
    removed = session.scalars(
        delete(EventProject)
        .where(EventProject.event_id == event.id, EventProject.project_id.in_(owned))
        .returning(EventProject.project_id)
        .execution_options(synchronize_session=False)).all()
    for project_id in removed:
        session.add(ProjectEvent(project_id=project_id, actor_profile_id=profile.id,
                                 actor_name=profile.display_name,
                                 kind=ProjectEventKind.left_event, subject_name=event.name))
    session.flush()
    return True
