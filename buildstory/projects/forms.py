"""Parsing of the project form and its field rules (docs/rules.md "Projects").

``project_values`` reads what a person typed; ``clean`` turns those values into what is
stored, with the exact message for every bad field, so a submit reports all at once.
The slug's availability is checked by the service (it needs the database).
"""
from __future__ import annotations

from ..enums import StartingPoint
from ..profiles.forms import URL_MAX, clean_url
from ..profiles.forms import too_long as _profile_too_long
from .rules import normalise_slug, slug_format_error, suggest_slug

# Field name → label (the form's field names); messages and the error summary use these.
LABELS = {
    "name": "Name", "slug": "Project URL", "description": "Description",
    "starting_point": "Starting point", "goal_text": "Goal",
    "github_url": "Repository URL", "live_url": "Live URL",
}
FIELDS = tuple(LABELS)
NAME_MAX, DESCRIPTION_MAX, GOAL_MAX = 100, 2000, 1000
# Longer input is cut before validation: enough to say "too long", never megabytes.
INPUT_CAP = 5000

NAME_REQUIRED = "Project name is required"
DESCRIPTION_REQUIRED = "Description is required"
SLUG_REQUIRED = "Project URL is required"
STARTING_POINT_UNKNOWN = "Choose a starting point from the list"


def too_long(name: str, limit: int) -> str:
    """Return the over-long message of docs/rules.md "Refusals and status codes" for a project field."""
    return f"{LABELS[name]} must be at most {limit} characters"


def project_values(form) -> dict:
    """Return the project form as submitted; an empty Project URL gets the name's suggestion.

    Without JavaScript nobody suggests a URL while the name is typed, so a blank
    Project URL is filled from the name here (and checked like a typed one).
    """
    values = {name: (form.get(name) or "")[:INPUT_CAP] for name in FIELDS}
    # The last suggestion shown, so later name edits keep updating an untouched URL.
    values["slug_auto"] = (form.get("slug_auto") or "")[:200]
    if not values["slug"].strip():
        values["slug"] = values["slug_auto"] = suggest_slug(values["name"])
    return values


def project_form_values(project) -> dict:
    """Return a project's fields in the shape of the form."""
    values = {name: getattr(project, name) or "" for name in FIELDS}
    values["starting_point"] = str(project.starting_point or "")
    return values


def _text(raw: str | None) -> str:
    """Return text with line endings normalised and outer whitespace trimmed."""
    return (raw or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _url(raw: str | None, name: str) -> tuple[str | None, str | None]:
    """Return a normalised http(s) URL like a profile's, or its error under this field's label."""
    value, error = clean_url(raw)
    if error == _profile_too_long("website_url", URL_MAX):
        error = too_long(name, URL_MAX)
    return value, error


def clean(values: dict) -> tuple[dict, dict]:
    """Return ``(cleaned, errors)``: stored values for the good fields, messages for the bad."""
    cleaned, errors = {}, {}
    name = " ".join((values.get("name") or "").split())
    if not name:
        errors["name"] = NAME_REQUIRED
    elif len(name) > NAME_MAX:
        errors["name"] = too_long("name", NAME_MAX)
    cleaned["name"] = name

    slug = normalise_slug(values.get("slug"))
    if not slug:
        errors["slug"] = SLUG_REQUIRED
    elif err := slug_format_error(slug):
        errors["slug"] = err
    cleaned["slug"] = slug

    description = _text(values.get("description"))
    if not description:
        errors["description"] = DESCRIPTION_REQUIRED
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = too_long("description", DESCRIPTION_MAX)
    cleaned["description"] = description

    raw_point = (values.get("starting_point") or "").strip()
    try:
        cleaned["starting_point"] = StartingPoint(raw_point) if raw_point else None
    except ValueError:
        errors["starting_point"] = STARTING_POINT_UNKNOWN

    goal = _text(values.get("goal_text"))
    if len(goal) > GOAL_MAX:
        errors["goal_text"] = too_long("goal_text", GOAL_MAX)
    cleaned["goal_text"] = goal or None

    for field in ("github_url", "live_url"):
        cleaned[field], err = _url(values.get(field), field)
        if err:
            errors[field] = err
    return cleaned, errors
