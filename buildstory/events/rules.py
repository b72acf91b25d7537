"""Event rules that need no database: lifecycle moves, field checks, registration windows.

Shared by the admin form (field messages), the services (the rules again, as the last
word before the database) and the pages (status labels, countdowns).
"""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from ..enums import EventStatus, TeamPreference

# docs/rules.md "Events": the allowed moves of the lifecycle; anything else is refused.
TRANSITIONS: dict[EventStatus, frozenset[EventStatus]] = {
    EventStatus.draft: frozenset({EventStatus.open}),
    EventStatus.open: frozenset({EventStatus.active, EventStatus.draft}),
    EventStatus.active: frozenset({EventStatus.judging, EventStatus.open}),
    EventStatus.judging: frozenset({EventStatus.complete, EventStatus.active}),
    EventStatus.complete: frozenset({EventStatus.judging}),
}
PUBLIC_STATUSES = (EventStatus.open, EventStatus.active, EventStatus.judging,
                   EventStatus.complete)
REGISTRATION_STATUSES = (EventStatus.open, EventStatus.active)
ENTRY_STATUSES = (EventStatus.open, EventStatus.active)
# Registrants a teammate may ask: looking for a team, or in one open to more.
SEEKING = (TeamPreference.looking_for_team, TeamPreference.has_team_open)

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
NAME_MAX, SLUG_MAX, DESCRIPTION_MAX = 100, 100, 5000

SLUG_INVALID = "Event URL must be lowercase letters, numbers and single hyphens"
SLUG_TAKEN = "Event URL is already taken"
END_BEFORE_START = "End must be after start"
WINDOW_BACKWARDS = "Registration must close after it opens"
TIMEZONE_INVALID = "Choose a timezone from the list"
SUBMISSIONS_CLOSE_TOO_EARLY = "Submissions must close after the event starts"
REVIEWS_BACKWARDS = "Reviews must close after they open"
JUDGES_RANGE = "Judges per submission must be between 1 and 10"
JUDGES_DEFAULT, JUDGES_MIN, JUDGES_MAX = 3, 1, 10
NOT_OPENED = "Registration has not opened yet"
CLOSED = "Registration has closed"


def transition_error(current: EventStatus, target: EventStatus) -> str | None:
    """Return the refusal message for moving ``current`` → ``target``, or None if allowed."""
    if target in TRANSITIONS[EventStatus(current)]:
        return None
    return f'Cannot transition from "{EventStatus(current).value}" to "{EventStatus(target).value}"'


def slug_error(slug: str) -> str | None:
    """Return the Event URL message for a malformed slug (empty, too long, "new"), or None."""
    if not slug:
        return "Event URL is required"
    if len(slug) > SLUG_MAX or slug == "new" or not SLUG_RE.match(slug):
        return SLUG_INVALID
    return None


def is_timezone(name: str | None) -> bool:
    """True for an IANA timezone name zoneinfo knows (e.g. "Europe/Berlin", "UTC")."""
    if not name or name not in _zone_set():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


_ZONES: list[str] = []
_ZONE_SET: set[str] = set()


def timezone_names() -> list[str]:
    """Return every IANA timezone name, UTC first, the rest sorted (cached)."""
    if not _ZONES:
        names = available_timezones() - {"UTC", "localtime", "Factory"}
        _ZONES.extend(["UTC", *sorted(n for n in names if "/" in n or n.isalpha())])
    return _ZONES


def _zone_set() -> set[str]:
    if not _ZONE_SET:
        _ZONE_SET.update(timezone_names())
    return _ZONE_SET


def _text_error(value: str | None, label: str, limit: int) -> str | None:
    if not value:
        return f"{label} is required"
    if len(value) > limit:
        return f"{label} must be at most {limit} characters"
    return None


def parse_judges(raw: str) -> int | None:
    """Return the Judges per submission number typed in the form, or None when it is not
    a whole number (``field_errors`` then says so)."""
    raw = (raw or "").strip()
    if not raw:
        return JUDGES_DEFAULT
    if not raw.isascii() or not raw.isdigit() or len(raw) > 3:
        return None
    return int(raw)


def field_errors(fields: dict) -> dict[str, str]:
    """Return field → message for every event field rule broken by ``fields``.

    ``fields`` holds name, slug, description, starts_at, ends_at (aware datetimes),
    timezone and the optional registration_opens_at / registration_closes_at.
    """
    errors: dict[str, str] = {}
    checks = {
        "name": _text_error(fields.get("name"), "Name", NAME_MAX),
        "slug": slug_error(fields.get("slug") or ""),
        "description": _text_error(fields.get("description"), "Description", DESCRIPTION_MAX),
        "timezone": None if is_timezone(fields.get("timezone")) else TIMEZONE_INVALID,
    }
    errors.update({k: v for k, v in checks.items() if v})
    starts, ends = fields.get("starts_at"), fields.get("ends_at")
    if starts is None:
        errors["starts_at"] = "Starts at is required"
    if ends is None:
        errors["ends_at"] = "Ends at is required"
    if starts is not None and ends is not None and ends <= starts:
        errors["ends_at"] = END_BEFORE_START
    opens, closes = fields.get("registration_opens_at"), fields.get("registration_closes_at")
    if opens is not None and closes is not None and closes <= opens:
        errors["registration_closes_at"] = WINDOW_BACKWARDS
    # The hackathon windows (docs/rules.md "Submissions"): each date binds only when set.
    sub_closes = fields.get("submissions_close_at")
    if sub_closes is not None and starts is not None and sub_closes <= starts:
        errors["submissions_close_at"] = SUBMISSIONS_CLOSE_TOO_EARLY
    rev_opens, rev_closes = fields.get("review_opens_at"), fields.get("review_closes_at")
    if rev_opens is not None and rev_closes is not None and rev_closes <= rev_opens:
        errors["review_closes_at"] = REVIEWS_BACKWARDS
    if "judges_per_submission" in fields:
        judges = fields["judges_per_submission"]
        if judges is None or not JUDGES_MIN <= judges <= JUDGES_MAX:
            errors["judges_per_submission"] = JUDGES_RANGE
    return errors


def registration_refusal(event, now: datetime) -> str | None:
    """Return why registration is shut now ("has not opened yet" / "has closed"), or None."""
    if EventStatus(event.status) not in REGISTRATION_STATUSES:
        return CLOSED
    if event.registration_opens_at is not None and now < event.registration_opens_at:
        return NOT_OPENED
    if event.registration_closes_at is not None and now >= event.registration_closes_at:
        return CLOSED
    return None


def is_registration_open(event, now: datetime) -> bool:
    """True while the status is open or active and ``now`` is inside the optional window."""
    return registration_refusal(event, now) is None


def accepts_entries(event) -> bool:
    """True while projects may be entered in or removed from the event (open or active)."""
    return EventStatus(event.status) in ENTRY_STATUSES


def is_public(event) -> bool:
    """True for every status but draft."""
    return EventStatus(event.status) != EventStatus.draft


def countdown(event, now: datetime) -> dict:
    """Return the countdown state: phase before / live / ended, the target time and text.

    Countdowns show time only: once nothing is ahead the text is empty (pages hide it).
    """
    if now < event.starts_at:
        return {"phase": "before", "to": event.starts_at, "then": event.ends_at,
                "text": "Starts in " + duration_text(event.starts_at - now)}
    if now < event.ends_at:
        return {"phase": "live", "to": event.ends_at, "then": None,
                "text": "Ends in " + duration_text(event.ends_at - now)}
    return {"phase": "ended", "to": None, "then": None, "text": ""}


def dates_ahead(event, now: datetime) -> dict:
    """Return which dates are still ahead: the end (calendar links make sense until then),
    the registration opening and closing (shown only while they are in the future)."""
    opens, closes = event.registration_opens_at, event.registration_closes_at
    registering = EventStatus(event.status) in REGISTRATION_STATUSES
    return {"end": now < event.ends_at,
            "opens": opens is not None and now < opens and registering,
            "closes": closes is not None and now < closes and registering}


# The badge tone of each status (neutral when not listed): one vocabulary on every page.
STATUS_TONES = {EventStatus.open: "accent", EventStatus.active: "ok",
                EventStatus.judging: "warn"}


def status_tone(status) -> str:
    """Return the badge tone of an event status: accent, ok, warn or neutral."""
    return STATUS_TONES.get(EventStatus(status), "neutral")


def duration_text(delta) -> str:
    """Return "3d 4h 5m 6s" (leading zero units dropped), as app.js writes it."""
    total = max(0, int(delta.total_seconds()))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")]
    while len(parts) > 1 and parts[0][0] == 0:
        parts.pop(0)
    return " ".join(f"{n}{unit}" for n, unit in parts)
