"""Profile reads: the one visibility filter and the username availability check."""
from __future__ import annotations

from sqlalchemy import exists, select

from .models import Profile
from .rules import is_reserved, normalise_username, username_format_error

AVAILABLE, TAKEN, INVALID, CURRENT = "available", "taken", "invalid", "current"


def visible(model=Profile):
    """Return the SQL condition for a profile every visitor may see (not hidden or banned)."""
    return (model.hidden_at.is_(None)) & (model.banned_at.is_(None))


def username_status(session, raw: str | None, current: Profile | None = None) -> tuple[str, str, str]:
    """Return ``(status, normalised name, message)`` for the live check and the submit.

    One indexed lookup at most; reserved names answer "taken" like real ones.
    """
    name = normalise_username(raw)
    if err := username_format_error(name):
        return INVALID, name, err
    if current is not None and current.username == name:
        return CURRENT, name, "This is your current username"
    if is_reserved(name) or session.scalar(select(exists().where(Profile.username == name))):
        return TAKEN, name, "Username is already taken"
    return AVAILABLE, name, "Available"
