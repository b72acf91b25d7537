"""Parsing team forms: field values kept for re-rendering, field errors by name."""
from __future__ import annotations

from ..errors import ValidationFailed
from ..profiles.rules import normalise_username

USERNAME_MAX = 60


def invite_username(form) -> str:
    """Return the trimmed, lower-cased Username of the invite form.

    Raises ValidationFailed "Username is required" when it is empty and "Username must be
    at most 60 characters" when it is far longer than any username.
    """
    name = normalise_username(form.get("username")).lstrip("@")
    if not name:
        raise ValidationFailed({"username": "Username is required"})
    if len(name) > USERNAME_MAX:
        raise ValidationFailed({"username": f"Username must be at most {USERNAME_MAX} characters"})
    return name


