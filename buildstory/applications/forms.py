"""Parsing of the public mentor and sponsor forms and their field rules (docs/rules.md "Applications, streams and draws").

``*_values(form)`` returns what was typed (kept for re-rendering); ``clean_*(values)``
returns ``(data, errors)``: the normalised values to store and field → message for every
bad field at once. Website and handles follow the profile rules (profiles/forms.py).
"""
from __future__ import annotations

import re

from ..profiles.forms import clean_github_handle, clean_url, clean_x_handle
from .models import MENTOR_TYPES

# Longer input is cut before validation: enough to say "too long", never megabytes.
INPUT_CAP = 6000
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
EMAIL_MAX = 320
EMAIL_INVALID = "Valid email is required"
MENTOR_TYPES_MISSING = "Select at least one mentor type"
MENTOR_TYPE_LABELS = {"design": "Design", "technical": "Technical", "growth": "Growth"}

MENTOR_TEXT = ("name", "email", "discord_handle", "twitter_handle", "github_handle",
               "website_url", "background", "availability")
SPONSOR_TEXT = ("company_name", "contact_name", "email", "website_url", "offer_description",
                "additional_notes")

# field → (label, max length, required, "too long" message or None for the §9 default)
MENTOR_LIMITS = {
    "name": ("Name", 200, True, "Name is too long"),
    "discord_handle": ("Discord handle", 100, True, None),
    "background": ("Background", 5000, True, "Background is too long (max 5000 characters)"),
    "availability": ("Availability", 500, True, "Availability is too long"),
}
SPONSOR_LIMITS = {
    "company_name": ("Company name", 200, True, None),
    "contact_name": ("Contact name", 200, True, None),
    "offer_description": ("Offer", 5000, True, None),
    "additional_notes": ("Notes", 2000, False, None),
}


# C0 control characters other than tab and newlines (PostgreSQL refuses NUL in text).
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(raw: str | None) -> str:
    """Return ``raw`` without control characters (tab, CR and LF are kept)."""
    return CONTROL_RE.sub("", raw or "")


def _text(form, names) -> dict:
    return {name: strip_controls((form.get(name) or "")[:INPUT_CAP]) for name in names}


def mentor_values(form) -> dict:
    """Return the mentor form as typed, with the ticked mentor types as a list."""
    values = _text(form, MENTOR_TEXT)
    values["mentor_types"] = [t for t in form.getlist("mentor_types") if t in MENTOR_TYPES]
    return values


def sponsor_values(form) -> dict:
    """Return the sponsor form as typed."""
    return _text(form, SPONSOR_TEXT)


def normalise_email(raw: str | None) -> str:
    """Return the email trimmed and lower-cased."""
    return (raw or "").strip().lower()


def clean_email(raw: str | None) -> tuple[str | None, str | None]:
    """Return the trimmed, lower-cased email (≤ 320, one @, a dot in the domain) or the error."""
    value = normalise_email(strip_controls(raw))
    if not value or len(value) > EMAIL_MAX or not EMAIL_RE.fullmatch(value):
        return None, EMAIL_INVALID
    return value, None


def clean_text(raw: str | None, label: str, limit: int, required: bool,
               too_long: str | None = None) -> tuple[str | None, str | None]:
    """Return the trimmed text (None when empty and optional) or its required/too-long error."""
    value = strip_controls(raw).replace("\r\n", "\n").replace("\r", "\n").strip()
    if not value:
        return None, (f"{label} is required" if required else None)
    if len(value) > limit:
        return None, too_long or f"{label} must be at most {limit} characters"
    return value, None


def _apply(values: dict, limits: dict, data: dict, errors: dict) -> None:
    for name, (label, limit, required, too_long) in limits.items():
        data[name], err = clean_text(values.get(name), label, limit, required, too_long)
        if err:
            errors[name] = err


def _common(values: dict, data: dict, errors: dict) -> None:
    data["email"], err = clean_email(values.get("email"))
    if err:
        errors["email"] = err
    data["website_url"], err = clean_url(values.get("website_url"), "website_url")
    if err:
        errors["website_url"] = err


def clean_mentor(values: dict) -> tuple[dict, dict]:
    """Return ``(data, errors)`` for a mentor application (docs/rules.md "Applications, streams and draws")."""
    data: dict = {}
    errors: dict = {}
    _apply(values, {"name": MENTOR_LIMITS["name"]}, data, errors)
    _common(values, data, errors)
    _apply(values, {"discord_handle": MENTOR_LIMITS["discord_handle"]}, data, errors)
    for name, cleaner in (("twitter_handle", clean_x_handle),
                          ("github_handle", clean_github_handle)):
        data[name], err = cleaner(values.get(name))
        if err:
            errors[name] = err
    types = [t for t in MENTOR_TYPES if t in (values.get("mentor_types") or [])]
    data["mentor_types"] = types
    if not types:
        errors["mentor_types"] = MENTOR_TYPES_MISSING
    _apply(values, {k: MENTOR_LIMITS[k] for k in ("background", "availability")}, data, errors)
    return data, _ordered(errors, MENTOR_TEXT)


def clean_sponsor(values: dict) -> tuple[dict, dict]:
    """Return ``(data, errors)`` for a sponsorship inquiry (docs/rules.md "Applications, streams and draws")."""
    data: dict = {}
    errors: dict = {}
    _apply(values, SPONSOR_LIMITS, data, errors)
    _common(values, data, errors)
    return data, _ordered(errors, SPONSOR_TEXT)


def _ordered(errors: dict, order) -> dict:
    """Return the errors in the order the fields appear on the form (for the summary)."""
    names = list(order)
    if "mentor_types" in errors:
        names.insert(names.index("background"), "mentor_types")
    return {name: errors[name] for name in names if name in errors}
