"""Parsing of the submission form (docs/rules.md "Submissions"): what a person typed, and
the stored values with the exact message of every bad field, so a submit reports them all.
"""
from __future__ import annotations

import uuid

from ..errors import ValidationFailed
from ..profiles.forms import URL_MAX, clean_url
from ..profiles.forms import too_long as _profile_too_long
from .submissions import LABELS, TEXT_FIELDS

WHAT_BUILT_MAX = LESSON_MAX = 280
INPUT_CAP = 5000  # longer input is cut before validation: enough to say "too long"
URL_FIELDS = ("demo_url", "repo_url", "video_url")
NEW_TOOL = "new_tool_name"  # the New tool name field (tools.services reports on it)
MAX_TOOL_INPUTS = 200  # more checkboxes than the page offers is junk, never a 10-way pick


def values(form) -> dict:
    """Return the form as submitted (for re-display), tools as a list of strings."""
    found = {name: (form.get(name) or "")[:INPUT_CAP] for name in TEXT_FIELDS}
    found["tools"] = [t[:64] for t in form.getlist("tools")[:MAX_TOOL_INPUTS]]
    found[NEW_TOOL] = (form.get(NEW_TOOL) or "")[:200]
    return found


def from_submission(submission, tool_ids) -> dict:
    """Return a stored submission in the shape of the form."""
    found = {name: getattr(submission, name) or "" for name in TEXT_FIELDS}
    found["tools"] = [str(t) for t in tool_ids]
    found[NEW_TOOL] = ""
    return found


def first_values(project) -> dict:
    """The first form of a project: Demo URL and Repository URL from its live and
    repository URLs."""
    found = {name: "" for name in TEXT_FIELDS}
    found["demo_url"] = project.live_url or ""
    found["repo_url"] = project.github_url or ""
    found["tools"], found[NEW_TOOL] = [], ""
    return found


def _text(raw: str) -> str:
    return (raw or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def tool_ids(raw: list[str]) -> list[uuid.UUID | None]:
    """Return the ticked tool ids; a malformed one is None (the service refuses it)."""
    found = []
    for value in raw:
        try:
            found.append(uuid.UUID(value.strip()))
        except (ValueError, AttributeError):
            found.append(None)
    return found


def clean(found: dict) -> dict:
    """Return the stored text fields; raise ValidationFailed with every field's message."""
    errors: dict[str, str] = {}
    cleaned: dict = {}
    what = _text(found.get("what_built", ""))
    if not what:
        errors["what_built"] = f"{LABELS['what_built']} is required"
    elif len(what) > WHAT_BUILT_MAX:
        errors["what_built"] = f"{LABELS['what_built']} must be at most {WHAT_BUILT_MAX} characters"
    cleaned["what_built"] = what
    for name in URL_FIELDS:
        value, error = clean_url(found.get(name, ""))
        if error == _profile_too_long("website_url", URL_MAX):
            error = f"{LABELS[name]} must be at most {URL_MAX} characters"
        if error:
            errors[name] = error
        cleaned[name] = value
    lesson = _text(found.get("lesson_learned", ""))
    if len(lesson) > LESSON_MAX:
        errors["lesson_learned"] = f"{LABELS['lesson_learned']} must be at most {LESSON_MAX} characters"
    cleaned["lesson_learned"] = lesson or None
    if errors:
        raise ValidationFailed(errors)
    return cleaned
