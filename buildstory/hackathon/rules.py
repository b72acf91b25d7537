"""The hackathon's windows: what is open in which event status (docs/rules.md "Submissions").

Pure functions of the event and the time, shared by the services (the last word before
the database), the pages (which buttons to show) and the tests. A date binds only when
set; a window is open while ``opens <= now < closes``.
"""
from __future__ import annotations

from datetime import datetime

from ..enums import EventStatus

SUBMISSIONS_NOT_OPEN = "Submissions have not opened yet"
SUBMISSIONS_CLOSED = "Submissions are closed for this event"
REVIEWS_NOT_OPEN = "Reviews have not opened yet"
REVIEWS_CLOSED = "Reviews are closed for this event"
JUDGING_NOT_OPEN = "Judging is not open for this event"
RESULTS_NOT_PUBLISHABLE = "Results can be published only for events in judging or complete"
SHOWCASE_NOT_OPEN = "The showcase opens when the event starts"

# Statuses whose showcase (and submission pages) are public.
SHOWCASE_STATUSES = (EventStatus.active, EventStatus.judging, EventStatus.complete)
RESULTS_STATUSES = (EventStatus.judging, EventStatus.complete)


def submission_refusal(event, now: datetime) -> str | None:
    """Why a submission cannot be created, changed or withdrawn now, or None when open:
    the active status, before ``submissions_close_at`` when it is set (no grace period)."""
    status = EventStatus(event.status)
    if status in (EventStatus.draft, EventStatus.open):
        return SUBMISSIONS_NOT_OPEN
    if status != EventStatus.active:
        return SUBMISSIONS_CLOSED
    if event.submissions_close_at is not None and now >= event.submissions_close_at:
        return SUBMISSIONS_CLOSED
    return None


def review_refusal(event, now: datetime) -> str | None:
    """Why peer review is not open now, or None: the judging status, from
    ``review_opens_at`` and before ``review_closes_at`` when they are set."""
    status = EventStatus(event.status)
    if status in (EventStatus.draft, EventStatus.open, EventStatus.active):
        return REVIEWS_NOT_OPEN
    if status == EventStatus.complete:
        return REVIEWS_CLOSED
    if event.review_opens_at is not None and now < event.review_opens_at:
        return REVIEWS_NOT_OPEN
    if event.review_closes_at is not None and now >= event.review_closes_at:
        return REVIEWS_CLOSED
    return None


def judging_refusal(event) -> str | None:
    """Why judging is not open, or None: judges score in the judging status only (the
    review dates do not bind them)."""
    return None if EventStatus(event.status) == EventStatus.judging else JUDGING_NOT_OPEN


def showcase_open(event) -> bool:
    """True from the active status on; before, the showcase page says when it opens."""
    return EventStatus(event.status) in SHOWCASE_STATUSES


def publish_refusal(event) -> str | None:
    """Why results cannot be published for the event's status, or None."""
    return None if EventStatus(event.status) in RESULTS_STATUSES else RESULTS_NOT_PUBLISHABLE
