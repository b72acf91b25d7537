"""Mentors and the help queue: every rule and write (docs/rules.md "Mentor help").

Concurrency: a claim locks the mentor's ``mentors`` row first (so one mentor's claims
count one after the other against ``MENTOR_MAX_CLAIMED``), then takes the request with one
conditional ``UPDATE … WHERE status = 'open' AND hidden_at IS NULL``: among mentors racing
for one request exactly one update matches. Release, resolve, cancel and hide are
conditional updates too, so a race of any two leaves one consistent state. A claim link
is spent under the application's row lock; the partial unique index of ``help_requests``
is the final word on one open or claimed request per project.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..applications.models import MentorApplication
from ..audit import record
from ..enums import EventStatus, HelpRequestStatus as S, MentorStatus
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..events.models import Event
from ..identity.models import Account
from ..mail import services as mail
from ..profiles.models import Profile
from ..projects.models import EventProject, Project
from ..ratelimits import Limit, enforce
from ..teams.models import ProjectMember
from . import forms, notices, rules, tokens
from .models import HelpRequest, Mentor

HELP_LIMIT = Limit(10, timedelta(hours=1), rules.TOO_OFTEN)
HELP_SCOPE = "help_request"


# --- mentors ------------------------------------------------------------------------------

def mentor_of(session, profile_id, *, lock: bool = False) -> Mentor | None:
    stmt = select(Mentor).where(Mentor.profile_id == profile_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt, execution_options={"populate_existing": True}).first()


def _types(values) -> list[str]:
    types = rules.clean_types(values)
    if not types:
        raise ValidationFailed({"mentor_types": rules.SELECT_TYPE})
    return types


def grant(session, admin, profile: Profile, values, *, now: datetime, application_id=None,
          featured_event=None) -> Mentor:
    """Grant mentor types to ``profile`` or change them (audited; a grant notifies)."""
    types = _types(values)
    if profile.banned_at is not None:
        raise Conflict(rules.BANNED_MENTOR)
    mentor = mentor_of(session, profile.id, lock=True)
    if mentor is None:
        mentor = Mentor(profile_id=profile.id, mentor_types=types, granted_by=admin.id,
                        granted_at=now, application_id=application_id)
        try:
            with session.begin_nested():
                session.add(mentor)
        except IntegrityError:  # granted meanwhile by another admin: change it instead
            mentor = mentor_of(session, profile.id, lock=True)
        else:
            record(session, admin, "grant_mentor", profile, mentor_types=types)
            notices.mentor_granted(session, profile, admin, featured_event, now=now)
            return mentor
    old = list(mentor.mentor_types)
    if old != types:
        mentor.mentor_types = types
        mentor.updated_at = now
        session.flush()
        record(session, admin, "update_mentor", profile, old_types=old, new_types=types)
    return mentor


def release_all(session, profile_id, *, actor, now: datetime) -> list:
    """Put every request ``profile_id`` holds back in the queue (removal, ban, deletion);
    each team hears it, from ``actor`` (None: unnamed). Returns the released ids."""
    released = session.execute(
        update(HelpRequest)
        .where(HelpRequest.mentor_id == profile_id, HelpRequest.status == S.claimed)
        .values(status=S.open, mentor_id=None, claimed_at=None, updated_at=now)
        .returning(HelpRequest.id, HelpRequest.project_id, HelpRequest.event_id,
                   HelpRequest.topic)
        .execution_options(synchronize_session=False)).all()
    for row in released:
        notices.help_released(session, row, actor, now=now)
    return [row.id for row in released]


def remove(session, admin, profile: Profile, *, now: datetime) -> list:
    """Take the capability away (audited); the mentor's claimed requests are released first."""
    mentor = mentor_of(session, profile.id, lock=True)
    if mentor is None:
        raise Conflict(rules.NOT_A_MENTOR)
    released = release_all(session, profile.id, actor=profile, now=now)
    types = list(mentor.mentor_types)
    session.delete(mentor)
    session.flush()
    record(session, admin, "revoke_mentor", profile, mentor_types=types,
           released_requests=released)
    return released


def approval_granted(session, admin, application: MentorApplication, *, now: datetime,
                     clerk_mode: bool, featured_event=None):
    """An approved application: grant at once when its email belongs to a local account
    with a verified address; else queue the ``mentor_approved`` email with a claim link.
    Returns the granted profile id (None when the link was sent)."""
    profile = None
    if not clerk_mode:
        profile = session.scalar(
            select(Profile).join(Account, Account.id == Profile.clerk_id)
            .where(Account.email == application.email, Account.email_verified_at.is_not(None)))
    if profile is not None and profile.banned_at is None:
        if mentor_of(session, profile.id) is None:
            if featured_event is None:
                featured_event = session.scalar(select(Event).where(
                    Event.featured, Event.status != EventStatus.draft))
            grant(session, admin, profile, application.mentor_types, now=now,
                  application_id=application.id, featured_event=featured_event)
        application.claimed_profile_id = profile.id
        application.claimed_at = now
        return profile.id
    queue_claim_email(session, application)
    return None


def queue_claim_email(session, application: MentorApplication) -> None:
    """Queue the approval email; its claim link is minted when the email is composed."""
    mail.queue_email(session, kind=tokens.KIND, to_address=application.email,
                     dedupe_key=tokens.email_key(application.id, uuid.uuid4().hex),
                     subject=tokens.SUBJECT)


def send_new_claim_link(session, admin, application: MentorApplication, *, now: datetime):
    """Replace the application's claim link by a new one, mailed again (audited)."""
    session.scalars(select(MentorApplication).where(MentorApplication.id == application.id)
                    .with_for_update(), execution_options={"populate_existing": True}).first()
    if application.status != MentorStatus.approved:
        raise Conflict(rules.NOT_APPROVED)
    if application.claimed_at is not None:
        raise Conflict(rules.ALREADY_CLAIMED)
    application.claim_token_hash = None  # the old link stops working now
    application.claim_expires_at = None
    queue_claim_email(session, application)
    session.flush()
    record(session, admin, "send_mentor_claim_link", application_id=application.id)


def application_for_token(session, raw: str, *, now: datetime, lock: bool = False):
    """The approved, unclaimed application of a live claim link, else NotFound."""
    stmt = select(MentorApplication).where(
        MentorApplication.claim_token_hash == tokens.token_hash(raw or ""))
    if lock:
        stmt = stmt.with_for_update()
    application = session.scalars(stmt, execution_options={"populate_existing": True}).first()
    if (application is None or application.claimed_at is not None
            or application.status != MentorStatus.approved
            or application.claim_expires_at is None or application.claim_expires_at <= now):
        raise NotFound(rules.LINK_INVALID)
    return application


def claim_link(session, raw: str, profile: Profile, *, now: datetime) -> Mentor:
    """Become a mentor through a claim link (single use; audited with the claimer)."""
    application = application_for_token(session, raw, now=now, lock=True)
    if mentor_of(session, profile.id, lock=True) is not None:
        raise Conflict(rules.ALREADY_MENTOR)
    mentor = Mentor(profile_id=profile.id, mentor_types=rules.clean_types(application.mentor_types),
                    application_id=application.id, granted_by=None, granted_at=now)
    session.add(mentor)
    application.claim_token_hash = None
    application.claimed_profile_id = profile.id
    application.claimed_at = now
    session.flush()
    record(session, profile, "claim_mentor", profile, application_id=application.id,
           profile_id=profile.id)
    return mentor


# --- help requests: the team ---------------------------------------------------------------

def _team_condition(profile_id):
    return or_(Project.profile_id == profile_id,
               exists().where(ProjectMember.project_id == Project.id,
                              ProjectMember.profile_id == profile_id))


def team_projects(session, event, profile) -> list[Project]:
    """The viewer's projects (owned first, then by name) entered in ``event``."""
    return list(session.scalars(
        select(Project).join(EventProject, and_(EventProject.project_id == Project.id,
                                                EventProject.event_id == event.id))
        .where(_team_condition(profile.id))
        .order_by((Project.profile_id == profile.id).desc(), Project.name)))


def ask(session, event: Event, profile: Profile, form, *, now: datetime,
        rate_limited: bool = True) -> HelpRequest:
    """Open a help request for one of the viewer's projects in a live event."""
    if not rules.queue_open(event.status):
        raise Conflict(rules.QUEUE_CLOSED)
    values, errors = forms.clean_ask(form)
    projects = team_projects(session, event, profile)
    project = None
    if values["project"]:
        try:
            wanted = uuid.UUID(values["project"])
        except ValueError:
            wanted = None
        project = next((p for p in projects if p.id == wanted), None)
        if project is None and wanted is not None:
            on_team = session.scalar(select(exists().where(
                Project.id == wanted, _team_condition(profile.id))))
            if on_team:
                errors["project"] = rules.NOT_ENTERED
            else:
                raise Forbidden(rules.NOT_TEAM)
        elif project is None:
            errors["project"] = rules.CHOOSE_PROJECT
    elif len(projects) == 1:
        project = projects[0]
    elif not projects:
        raise Forbidden(rules.NOT_TEAM)
    else:
        errors["project"] = rules.CHOOSE_PROJECT
    if errors:
        raise ValidationFailed(errors)
    enforce(session, HELP_LIMIT, scope=HELP_SCOPE, profile_id=profile.id,
            created_at=HelpRequest.created_at, where=HelpRequest.opened_by == profile.id,
            now=now, enabled=rate_limited)
    active = select(exists().where(HelpRequest.project_id == project.id,
                                   HelpRequest.status.in_((S.open, S.claimed))))
    if session.scalar(active):
        raise Conflict(rules.ALREADY_OPEN)
    row = HelpRequest(event_id=event.id, project_id=project.id, opened_by=profile.id,
                      kind=values["kind"], topic=values["topic"], details=values["details"],
                      meeting_url=values["meeting_url"], status=S.open, created_at=now,
                      updated_at=now)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise Conflict(rules.ALREADY_OPEN) from None
    notices.help_opened(session, row, profile, project)
    return row


def _own_request(session, request_id, profile, *, lock: bool = True) -> tuple[HelpRequest, bool]:
    """(request, viewer on its team); NotFound for unknown or hidden ids."""
    stmt = (select(HelpRequest, select(_team_condition(profile.id)).where(
        Project.id == HelpRequest.project_id).scalar_subquery())
        .where(HelpRequest.id == request_id, HelpRequest.hidden_at.is_(None)))
    if lock:
        stmt = stmt.with_for_update(of=HelpRequest)
    row = session.execute(stmt, execution_options={"populate_existing": True}).first()
    if row is None:
        raise NotFound()
    return row[0], bool(row[1])


def cancel(session, request_id, profile, *, now: datetime) -> HelpRequest:
    """The team cancels an open or claimed request; a claiming mentor hears it."""
    request, on_team = _own_request(session, request_id, profile)
    if not on_team:
        raise Forbidden(rules.NOT_TEAM)
    if request.status not in (S.open, S.claimed):
        raise Conflict(rules.ALREADY_CLOSED)
    mentor_id = request.mentor_id if request.status == S.claimed else None
    request.status, request.cancelled_at, request.cancelled_by = S.cancelled, now, profile.id
    request.updated_at = now
    session.flush()
    if mentor_id is not None:
        notices.help_cancelled(session, request, mentor_id, profile, now=now)
    return request


def rate(session, request_id, profile, form, *, now: datetime) -> HelpRequest:
    """The team rates a resolved request once."""
    request, on_team = _own_request(session, request_id, profile)
    if not on_team:
        raise Forbidden(rules.NOT_TEAM)
    values, errors = forms.clean_rating(form)
    if errors:
        raise ValidationFailed(errors)
    if request.status != S.resolved:
        raise Conflict(rules.ONLY_RESOLVED)
    if request.rated_at is not None:
        raise Conflict(rules.ALREADY_RATED)
    request.rating, request.rating_note, request.rated_at = values["rating"], values["note"], now
    request.updated_at = now
    session.flush()
    return request


# --- help requests: mentors ----------------------------------------------------------------

def claim(session, request_id, profile: Profile, *, now: datetime, max_claimed: int) -> HelpRequest:
    """Take an open request; the team hears it (see ``claim_with_event``)."""
    return claim_with_event(session, request_id, profile, now=now, max_claimed=max_claimed)[0]


def claim_with_event(session, request_id, profile: Profile, *, now: datetime,
                     max_claimed: int) -> tuple[HelpRequest, Event, list]:
    """Take an open request: one statement locks the mentor row and reads the request with
    its event, one conditional update takes it. Returns (request, event, mentor types) so
    the answer needs no more reads."""
    row = session.execute(
        select(Mentor.mentor_types, HelpRequest, Event,
               select(_team_condition(profile.id)).where(
                   Project.id == HelpRequest.project_id).scalar_subquery())
        .select_from(Mentor)
        .join(HelpRequest, HelpRequest.id == request_id)
        .join(Event, Event.id == HelpRequest.event_id)
        .where(Mentor.profile_id == profile.id, HelpRequest.hidden_at.is_(None))
        .with_for_update(of=Mentor), execution_options={"populate_existing": True}).first()
    if row is None:
        if session.scalar(select(exists().where(HelpRequest.id == request_id,
                                                HelpRequest.hidden_at.is_(None)))):
            raise Forbidden(rules.ONLY_MENTORS)
        raise NotFound()
    types, request, event, on_team = row
    status = event.status
    if profile.banned_at is not None:
        raise Forbidden(rules.ONLY_MENTORS)
    if profile.hidden_at is not None:
        raise Forbidden(rules.HIDDEN_MENTOR)
    if request.kind not in types:
        raise Forbidden(rules.OUTSIDE_TYPES)
    if on_team:
        raise Forbidden(rules.OWN_TEAM)
    if request.status == S.claimed and request.mentor_id == profile.id:
        return request, event, types  # re-claiming your own: nothing to do
    if not rules.queue_open(status):
        raise Conflict(rules.QUEUE_CLOSED)
    held = (select(func.count()).select_from(HelpRequest)
            .where(HelpRequest.mentor_id == profile.id, HelpRequest.status == S.claimed)
            .scalar_subquery())
    taken = session.execute(
        update(HelpRequest)
        .where(HelpRequest.id == request_id, HelpRequest.status == S.open,
               HelpRequest.hidden_at.is_(None), held < max_claimed)
        .values(status=S.claimed, mentor_id=profile.id, claimed_at=now, updated_at=now,
                first_claimed_at=func.coalesce(HelpRequest.first_claimed_at, now))
        .returning(HelpRequest.id, HelpRequest.project_id, HelpRequest.event_id,
                   HelpRequest.topic, notices.team_array(HelpRequest.project_id).label("team"))
        .execution_options(synchronize_session=False)).first()
    if taken is None:
        _why_not_taken(session, request_id, profile, max_claimed)
    notices.help_claimed(session, taken, profile, now=now)
    session.expire(request)
    return request, event, types


def _why_not_taken(session, request_id, profile, max_claimed):
    current = session.execute(select(HelpRequest.status, HelpRequest.mentor_id,
                                     HelpRequest.hidden_at)
                              .where(HelpRequest.id == request_id)).first()
    if current is not None and current.status == S.open and current.hidden_at is None:
        raise Conflict(rules.too_many_claimed(max_claimed))
    if current is not None and current.status == S.claimed and current.mentor_id != profile.id:
        raise Conflict(rules.TAKEN)
    raise Conflict(rules.NOT_OPEN)


def _mentor_move(session, request_id, profile, *, to: S, now: datetime) -> HelpRequest:
    request = session.scalars(select(HelpRequest).where(HelpRequest.id == request_id,
                                                        HelpRequest.hidden_at.is_(None))
                              .with_for_update(),
                              execution_options={"populate_existing": True}).first()
    if request is None:
        raise NotFound()
    if request.status != S.claimed:
        raise Conflict(rules.NOT_IN_PROGRESS)
    if request.mentor_id != profile.id:
        raise Forbidden(rules.ONLY_CLAIMER)
    if to == S.open:
        request.status, request.mentor_id, request.claimed_at = S.open, None, None
    else:
        request.status, request.resolved_at = S.resolved, now
    request.updated_at = now
    session.flush()
    return request


def release(session, request_id, profile, *, now: datetime) -> HelpRequest:
    """The claiming mentor puts the request back in the queue (same place)."""
    request = _mentor_move(session, request_id, profile, to=S.open, now=now)
    notices.help_released(session, request, profile, now=now)
    return request


def resolve(session, request_id, profile, *, now: datetime) -> HelpRequest:
    """The claiming mentor marks the request resolved; the team is asked to rate it."""
    request = _mentor_move(session, request_id, profile, to=S.resolved, now=now)
    notices.help_resolved(session, request, profile, now=now)
    return request


# --- moderation ---------------------------------------------------------------------------

def hide(session, moderator, request_id, *, now: datetime) -> HelpRequest:
    """Hide a request (audited); an open or claimed one is cancelled, its mentor told."""
    request = session.get(HelpRequest, request_id, with_for_update=True,
                          populate_existing=True)
    if request is None:
        raise NotFound()
    if request.hidden_at is not None:
        raise Conflict(rules.ALREADY_HIDDEN)
    mentor_id = request.mentor_id if request.status == S.claimed else None
    if request.status in (S.open, S.claimed):
        request.status, request.cancelled_at, request.cancelled_by = \
            S.cancelled, now, moderator.id
    request.hidden_at, request.hidden_by, request.updated_at = now, moderator.id, now
    session.flush()
    if mentor_id is not None:
        notices.help_cancelled(session, request, mentor_id, moderator, now=now)
    record(session, moderator, "hide_help_request", request_id=request.id,
           event_id=request.event_id, project_id=request.project_id)
    return request


def unhide(session, moderator, request_id, *, now: datetime) -> HelpRequest:
    """Show a hidden request again (it stays cancelled; audited)."""
    request = session.get(HelpRequest, request_id, with_for_update=True,
                          populate_existing=True)
    if request is None:
        raise NotFound()
    if request.hidden_at is None:
        raise Conflict(rules.NOT_HIDDEN)
    request.hidden_at, request.hidden_by, request.updated_at = None, None, now
    session.flush()
    record(session, moderator, "unhide_help_request", request_id=request.id,
           event_id=request.event_id, project_id=request.project_id)
    return request
