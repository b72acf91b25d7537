"""Parsing the help-request forms into values and field errors."""
from __future__ import annotations

import unicodedata

from ..enums import HelpKind
from ..profiles.forms import clean_url
from . import rules
from .models import DETAILS_MAX, NOTE_MAX, TOPIC_MAX


def _text(raw) -> str:
    value = unicodedata.normalize("NFC", raw or "").replace("\r\n", "\n").strip()
    return value


def clean_ask(form) -> tuple[dict, dict]:
    """(values, errors) of the Ask for help form (the project is checked by the service)."""
    errors: dict[str, str] = {}
    topic = " ".join(_text(form.get("topic")).split())
    details = _text(form.get("details"))
    if not topic:
        errors["topic"] = rules.TOPIC_REQUIRED
    elif len(topic) > TOPIC_MAX:
        errors["topic"] = f"Topic must be at most {TOPIC_MAX} characters"
    if not details:
        errors["details"] = rules.DETAILS_REQUIRED
    elif len(details) > DETAILS_MAX:
        errors["details"] = f"Details must be at most {DETAILS_MAX} characters"
    kind = form.get("kind") or ""
    if kind not in set(HelpKind):
        errors["kind"] = rules.CHOOSE_KIND
    meeting_url, url_error = clean_url(form.get("meeting_url"))
    if url_error:
        errors["meeting_url"] = url_error.replace("Website", "Meeting link")
    return {"topic": topic, "details": details, "kind": kind or None,
            "meeting_url": meeting_url, "project": (form.get("project") or "").strip()}, errors


def clean_rating(form) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    raw = (form.get("rating") or "").strip()
    rating = int(raw) if raw in {"1", "2", "3", "4", "5"} else None
    if rating is None:
        errors["rating"] = rules.CHOOSE_RATING
    note = _text(form.get("note")) or None
    if note and len(note) > NOTE_MAX:
        errors["note"] = f"Note must be at most {NOTE_MAX} characters"
    return {"rating": rating, "note": note}, errors
