"""Parsing of the event forms: admin event fields (local times → UTC) and registration."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ..enums import CommitmentLevel, EventStatus, TeamPreference
from ..errors import ValidationFailed
from . import rules

EVENT_TEXT_FIELDS = ("name", "slug", "description", "timezone")
EVENT_TIME_FIELDS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at",
                     "submissions_close_at", "review_opens_at", "review_closes_at")
OPTIONAL_TIMES = {"registration_opens_at", "registration_closes_at", "submissions_close_at",
                  "review_opens_at", "review_closes_at"}
JUDGES_FIELD = "judges_per_submission"
LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")
BAD_TIME = "Enter a date and time"


def _local_to_utc(raw: str, zone: ZoneInfo) -> datetime | None:
    for fmt in LOCAL_FORMATS:
        try:
            naive = datetime.strptime(raw, fmt)
        except ValueError:
            continue
        return naive.replace(tzinfo=zone).astimezone(UTC)
    return None


def event_values(form) -> dict[str, str]:
    """Return the submitted event fields as trimmed strings (for re-display)."""
    values = {name: (form.get(name) or "").strip() for name in (*EVENT_TEXT_FIELDS,
                                                                 *EVENT_TIME_FIELDS)}
    values["description"] = (form.get("description") or "").replace("\r\n", "\n").strip()
    values["timezone"] = values["timezone"] or "UTC"
    values[JUDGES_FIELD] = (form.get(JUDGES_FIELD) or "").strip() or str(rules.JUDGES_DEFAULT)
    return values


def parse_event(values: dict[str, str]) -> dict:
    """Return the event fields of ``event_values``; raise ValidationFailed with every error.

    Times are ``datetime-local`` values read in the submitted timezone and returned in UTC.
    """
    errors: dict[str, str] = {}
    fields: dict = {name: values[name] for name in EVENT_TEXT_FIELDS}
    zone = ZoneInfo(values["timezone"]) if rules.is_timezone(values["timezone"]) else None
    for name in EVENT_TIME_FIELDS:
        raw = values[name]
        fields[name] = None
        if not raw or zone is None:
            continue
        fields[name] = _local_to_utc(raw, zone)
        if fields[name] is None:
            errors[name] = BAD_TIME
    fields[JUDGES_FIELD] = rules.parse_judges(values.get(JUDGES_FIELD, ""))
    errors.update({k: v for k, v in rules.field_errors(fields).items()
                   if k not in errors and not (zone is None and k in EVENT_TIME_FIELDS)})
    if errors:
        raise ValidationFailed(_in_form_order(errors))
    return fields


def _in_form_order(errors: dict[str, str]) -> dict[str, str]:
    order = ("name", "slug", "description", "starts_at", "ends_at", "timezone",
             "registration_opens_at", "registration_closes_at", "submissions_close_at",
             "review_opens_at", "review_closes_at", JUDGES_FIELD)
    return {k: errors[k] for k in order if k in errors}


def local_input(dt: datetime | None, timezone: str) -> str:
    """Return a stored UTC time as a ``datetime-local`` value in the event's timezone."""
    if dt is None:
        return ""
    zone = ZoneInfo(timezone) if rules.is_timezone(timezone) else UTC
    return dt.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def values_from_event(event) -> dict[str, str]:
    """Return the edit form's initial values for ``event``."""
    values = {name: getattr(event, name) or "" for name in EVENT_TEXT_FIELDS}
    for name in EVENT_TIME_FIELDS:
        values[name] = local_input(getattr(event, name), event.timezone)
    values[JUDGES_FIELD] = str(event.judges_per_submission or rules.JUDGES_DEFAULT)
    return values


def status(form) -> EventStatus:
    """Return the chosen status; raise ValidationFailed for anything not in the list."""
    try:
        return EventStatus((form.get("status") or "").strip())
    except ValueError:
        raise ValidationFailed({"status": "Choose a status from the list"}) from None


def registration_values(form) -> dict[str, str]:
    """Return the submitted registration choices as strings (for re-display)."""
    return {"team_preference": (form.get("team_preference") or "").strip(),
            "commitment_level": (form.get("commitment_level") or "").strip()}


def registration(values: dict[str, str]) -> dict:
    """Return team preference and commitment level as enums; raise ValidationFailed."""
    errors: dict[str, str] = {}
    try:
        team = TeamPreference(values["team_preference"])
    except ValueError:
        team = None
        errors["team_preference"] = "Choose a team preference"
    commitment = None
    if values["commitment_level"]:
        try:
            commitment = CommitmentLevel(values["commitment_level"])
        except ValueError:
            errors["commitment_level"] = "Choose a commitment level from the list"
    if errors:
        raise ValidationFailed(errors)
    return {"team_preference": team, "commitment_level": commitment}
