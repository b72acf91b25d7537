"""Reads for the admin review pages and the mentor CSV export."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..errors import NotFound
from ..profiles.models import Profile
from .models import MentorApplication, SponsorshipInquiry

PER_PAGE = 50


@dataclass
class Listing:
    """One page of rows plus the counts per status shown by the filter."""

    rows: list
    counts: dict
    page: int
    has_next: bool

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _listing(session, model, status: str | None, page: int) -> Listing:
    """Return one page (newest first) of ``model`` rows with their reviewer's name."""
    counts = dict(session.execute(select(model.status, func.count())
                                  .group_by(model.status)).all())
    reviewer = aliased(Profile)
    stmt = (select(model, reviewer.display_name)
            .outerjoin(reviewer, reviewer.id == model.reviewed_by)
            .order_by(model.created_at.desc(), model.id)
            .offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1))
    if status:
        stmt = stmt.where(model.status == status)
    rows = session.execute(stmt).all()
    return Listing(rows=rows[:PER_PAGE], counts={str(k): v for k, v in counts.items()},
                   page=page, has_next=len(rows) > PER_PAGE)


def mentor_applications(session, status: str | None = None, page: int = 1) -> Listing:
    """Return a page of mentor applications as ``(application, reviewer name)`` rows."""
    return _listing(session, MentorApplication, status, page)


def sponsorship_inquiries(session, status: str | None = None, page: int = 1) -> Listing:
    """Return a page of sponsorship inquiries as ``(inquiry, reviewer name)`` rows."""
    return _listing(session, SponsorshipInquiry, status, page)


def _get_or_404(session, model, row_id: uuid.UUID):
    row = session.get(model, row_id, with_for_update=True)
    if row is None:
        raise NotFound()
    return row


def mentor_application_or_404(session, application_id: uuid.UUID) -> MentorApplication:
    """Return the application locked for review, or raise NotFound."""
    return _get_or_404(session, MentorApplication, application_id)


def sponsorship_inquiry_or_404(session, inquiry_id: uuid.UUID) -> SponsorshipInquiry:
    """Return the inquiry locked for review, or raise NotFound."""
    return _get_or_404(session, SponsorshipInquiry, inquiry_id)


def reviewer_name(session, profile_id) -> str | None:
    """Return the display name of a reviewer (None when unknown or deleted)."""
    if profile_id is None:
        return None
    return session.scalar(select(Profile.display_name).where(Profile.id == profile_id))


MENTOR_CSV_COLUMNS = [
    ("Submitted at", MentorApplication.created_at), ("Status", MentorApplication.status),
    ("Name", MentorApplication.name), ("Email", MentorApplication.email),
    ("Discord handle", MentorApplication.discord_handle),
    ("X handle", MentorApplication.twitter_handle),
    ("GitHub handle", MentorApplication.github_handle),
    ("Website", MentorApplication.website_url),
    ("Mentor types", MentorApplication.mentor_types),
    ("Background", MentorApplication.background),
    ("Availability", MentorApplication.availability),
    ("Reviewed at", MentorApplication.reviewed_at),
]


def mentor_csv_rows(session, status: str | None = None):
    """Yield every application (oldest first) as a tuple of MENTOR_CSV_COLUMNS, streamed."""
    stmt = (select(*[col for _, col in MENTOR_CSV_COLUMNS])
            .order_by(MentorApplication.created_at, MentorApplication.id)
            .execution_options(yield_per=500))
    if status:
        stmt = stmt.where(MentorApplication.status == status)
    yield from session.execute(stmt)
