"""The messages of mentoring and help requests, and the pure rules (no database)."""
from __future__ import annotations

from ..enums import EventStatus, HelpKind

MENTOR_TYPES = tuple(k.value for k in HelpKind)

# Mentors
SELECT_TYPE = "Select at least one mentor type"
BANNED_MENTOR = "Banned builders cannot be mentors"
NOT_A_MENTOR = "This builder is not a mentor"
LINK_INVALID = "This mentor link is invalid or has expired"
ALREADY_MENTOR = "You are already a mentor"
NOT_APPROVED = "Only approved applications get a claim link"
ALREADY_CLAIMED = "This application was already claimed"

# Help requests
QUEUE_CLOSED = "The help queue is closed for this event"
NOT_TEAM = "You are not on this project's team"
NOT_ENTERED = "This project is not entered in this event"
CHOOSE_PROJECT = "Choose a project"
CHOOSE_KIND = "Choose a kind"
TOPIC_REQUIRED = "Enter a topic"
DETAILS_REQUIRED = "Describe what you need help with"
ALREADY_OPEN = "This project already has an open help request"
TOO_OFTEN = "You are asking for help too often. Try again later."
ONLY_MENTORS = "Only mentors can take help requests"
HIDDEN_MENTOR = "Hidden profiles cannot take help requests"
OUTSIDE_TYPES = "This request is outside your mentor types"
OWN_TEAM = "You cannot take your own team's request"
TAKEN = "Another mentor already took this request"
NOT_OPEN = "This request is no longer open"
ONLY_CLAIMER = "Only the mentor who took this request can do that"
NOT_IN_PROGRESS = "This request is not in progress"
ALREADY_CLOSED = "This request is already closed"
CHOOSE_RATING = "Choose a rating from 1 to 5"
ONLY_RESOLVED = "Only resolved requests can be rated"
ALREADY_RATED = "This request has already been rated"
ALREADY_HIDDEN = "Help request is already hidden"
NOT_HIDDEN = "Help request is not hidden"


def too_many_claimed(limit: int) -> str:
    return f"You already have {limit} requests in progress"


def queue_open(status) -> bool:
    """Opening and claiming need the event live."""
    return EventStatus(status) == EventStatus.active


def cut_title(topic: str, limit: int = 60) -> str:
    """A help request's topic as a notification names it: at most 60 characters, "…" when cut."""
    return topic if len(topic) <= limit else topic[:limit - 1].rstrip() + "…"


def clean_types(values) -> list[str]:
    """The known mentor types among ``values``, in their fixed order."""
    chosen = set(values or ())
    return [t for t in MENTOR_TYPES if t in chosen]
