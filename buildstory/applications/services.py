"""Mentor applications and sponsorship inquiries: submit and review (docs/rules.md "Applications, streams and draws").

Emails are unique per table; the database's unique index is the final word, so two
submissions racing with one email end as one row and one "already exists" message.
Every review writes its audit row (docs/rules.md "Moderation") in the same transaction, after locking
the reviewed row, so two admins deciding at once make one decision and one audit row.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from ..audit import record
from ..enums import MentorStatus, SponsorshipStatus
from ..errors import Conflict, ValidationFailed
from ..locking import lock_row
from ..mentoring import services as mentoring
from ..webhooks import services as webhooks
from . import forms
from .models import MentorApplication, SponsorshipInquiry

MENTOR_EXISTS = "An application with this email already exists."
INQUIRY_EXISTS = "An inquiry with this email already exists."
NOT_PENDING = "Application is not pending"

# Allowed sponsorship moves: to → the statuses it may come from.
SPONSOR_MOVES = {
    SponsorshipStatus.contacted: {SponsorshipStatus.pending},
    SponsorshipStatus.accepted: {SponsorshipStatus.contacted},
    SponsorshipStatus.declined: {SponsorshipStatus.pending, SponsorshipStatus.contacted,
                                 SponsorshipStatus.accepted},
}
SPONSOR_ACTIONS = {SponsorshipStatus.contacted: "contact_sponsor",
                   SponsorshipStatus.accepted: "accept_sponsor",
                   SponsorshipStatus.declined: "decline_sponsor"}


class ApplicationNotPending(Conflict):
    """The mentor application was already approved or declined."""

    message = NOT_PENDING


class InquiryTransitionRefused(Conflict):
    """The sponsorship workflow does not allow this move."""

    def __init__(self, old: str, new: str):
        super().__init__(f'Cannot move inquiry from "{old}" to "{new}"')


def _insert_unique(session, row, model, email: str, message: str):
    """Add ``row``; an email already used (checked, then by the unique index) is a 422."""
    if session.scalar(select(exists().where(model.email == email))):
        raise ValidationFailed({"email": message})
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise ValidationFailed({"email": message}) from None
    return row


def submit_mentor_application(session, values: dict, *, now: datetime) -> MentorApplication:
    """Store a pending mentor application; raises ValidationFailed with every field error."""
    data, errors = forms.clean_mentor(values)
    if errors:
        raise ValidationFailed(errors)
    row = MentorApplication(**data, status=MentorStatus.pending, created_at=now, updated_at=now)
    _insert_unique(session, row, MentorApplication, data["email"], MENTOR_EXISTS)
    # Public facts only: the name and the kinds of mentoring, never the email or texts.
    webhooks.emit(session, "mentor_application",
                  {"name": row.name, "mentor_types": list(row.mentor_types)},
                  f"mentor_application:{row.id}")
    return row


def submit_sponsorship_inquiry(session, values: dict, *, now: datetime) -> SponsorshipInquiry:
    """Store a pending sponsorship inquiry; raises ValidationFailed with every field error."""
    data, errors = forms.clean_sponsor(values)
    if errors:
        raise ValidationFailed(errors)
    row = SponsorshipInquiry(**data, status=SponsorshipStatus.pending, created_at=now,
                             updated_at=now)
    _insert_unique(session, row, SponsorshipInquiry, data["email"], INQUIRY_EXISTS)
    webhooks.emit(session, "sponsor_inquiry", {"company_name": row.company_name},
                  f"sponsor_inquiry:{row.id}")
    return row


def review_mentor_application(session, application: MentorApplication, actor, *,
                              approve: bool, now: datetime,
                              clerk_mode: bool = False) -> MentorApplication:
    """Approve or decline a pending application (audited); raises ApplicationNotPending.

    Approving makes the applicant a mentor at once when the email is a verified local
    account's, else mails them a claim link (``mentoring.services.approval_granted``)."""
    lock_row(session, application)
    if application.status != MentorStatus.pending:
        raise ApplicationNotPending()
    application.status = MentorStatus.approved if approve else MentorStatus.declined
    application.reviewed_by = actor.id
    application.reviewed_at = now
    if not approve:
        record(session, actor, "decline_mentor", application_id=application.id,
               name=application.name, email=application.email)
        return application
    session.flush()
    profile_id = mentoring.approval_granted(session, actor, application, now=now,
                                            clerk_mode=clerk_mode)
    record(session, actor, "approve_mentor", application_id=application.id,
           name=application.name, email=application.email, profile_id=profile_id)
    return application


def move_sponsorship_inquiry(session, inquiry: SponsorshipInquiry, actor, to: str, *,
                             now: datetime) -> SponsorshipInquiry:
    """Move an inquiry along pending → contacted → accepted / declined (audited).

    Declined is reachable from every status but declined; anything else raises
    InquiryTransitionRefused (409).
    """
    lock_row(session, inquiry)
    old = SponsorshipStatus(inquiry.status)
    new = SponsorshipStatus(to)
    if old not in SPONSOR_MOVES.get(new, set()):
        raise InquiryTransitionRefused(old.value, new.value)
    inquiry.status = new
    inquiry.reviewed_by = actor.id
    inquiry.reviewed_at = now
    record(session, actor, SPONSOR_ACTIONS[new], inquiry_id=inquiry.id,
           company_name=inquiry.company_name, email=inquiry.email)
    return inquiry
