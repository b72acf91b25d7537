"""Parsing of the review form and the score form (docs/rules.md "Peer review", "Judging").

Pure functions: they take the posted values and return clean data or raise
``ValidationFailed`` with a message per field.
"""
from __future__ import annotations

from ..enums import HighlightCategory
from ..errors import ValidationFailed

FEEDBACK_MAX = 512
HIGHLIGHT_MAX = 256
HIGHLIGHTS_MAX = 3
COMMENT_MAX = 1000
CATEGORIES = tuple(HighlightCategory)  # form order: also the judging criteria
TOO_MANY_HIGHLIGHTS = "Choose at most 3 highlights"
SCORE_RANGE = "Scores must be whole numbers from 1 to 5"
SCORES = ("1", "2", "3", "4", "5")


def _text(values, name: str) -> str:
    """The field's text with line endings made ``\\n`` and outer whitespace trimmed."""
    raw = values.get(name) or ""
    return raw.replace("\r\n", "\n").replace("\r", "\n").strip()


def parse_review(values) -> tuple[str, dict[HighlightCategory, str]]:
    """Return ``(feedback, {category: text})`` or raise ValidationFailed."""
    errors: dict[str, str] = {}
    feedback = _text(values, "feedback")
    if not feedback:
        errors["feedback"] = "Feedback is required"
    elif len(feedback) > FEEDBACK_MAX:
        errors["feedback"] = f"Feedback must be at most {FEEDBACK_MAX} characters"
    highlights = {}
    for category in CATEGORIES:
        text = _text(values, category.value)
        if not text:
            continue
        if len(text) > HIGHLIGHT_MAX:
            errors[category.value] = f"{category.label} must be at most {HIGHLIGHT_MAX} characters"
        highlights[category] = text
    if len(highlights) > HIGHLIGHTS_MAX:
        errors["highlights"] = TOO_MANY_HIGHLIGHTS
    if errors:
        raise ValidationFailed(errors)
    return feedback, highlights


def parse_scores(values) -> tuple[dict[str, int], str | None]:
    """Return ``({criterion: 1..5}, comment or None)`` or raise ValidationFailed."""
    errors: dict[str, str] = {}
    scores = {}
    for category in CATEGORIES:
        raw = (values.get(category.value) or "").strip()
        if not raw:
            errors[category.value] = f"{category.label} is required"
        elif raw not in SCORES:
            errors[category.value] = SCORE_RANGE
        else:
            scores[category.value] = int(raw)
    comment = _text(values, "comment")
    if len(comment) > COMMENT_MAX:
        errors["comment"] = f"Comment must be at most {COMMENT_MAX} characters"
    if errors:
        raise ValidationFailed(errors)
    return scores, comment or None
