"""Project URL (slug) rules: one format rule serves the live check and every submit (docs/rules.md "Projects")."""
from __future__ import annotations

import re
import unicodedata

SLUG_RE = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
SLUG_MIN, SLUG_MAX = 2, 100
# /projects/new is the creation page, so it can never be a project's URL.
RESERVED_SLUGS = frozenset({"new"})

SLUG_FORMAT = ("Project URL must be 2-100 lowercase letters or numbers, separated by single "
               "hyphens or underscores")
SLUG_TAKEN = "Project URL is already taken"
SLUG_CURRENT = "This is the current URL"


def normalise_slug(raw: str | None) -> str:
    """Return the input trimmed and lower-cased (the form every slug rule sees)."""
    return (raw or "").strip().lower()


def slug_format_error(slug: str) -> str | None:
    """Return the format message for a normalised slug, or None when it is well formed."""
    if (SLUG_MIN <= len(slug) <= SLUG_MAX and SLUG_RE.fullmatch(slug)
            and slug not in RESERVED_SLUGS):
        return None
    return SLUG_FORMAT


def suggest_slug(name: str | None) -> str:
    """Return a well-formed slug derived from a project name, or "" when none can be made.

    Accents are stripped ("Café Bot" → "cafe-bot"), every other run of non-alphanumeric
    characters becomes one hyphen, and the result is cut to 100 characters at a hyphen
    when possible. A one-character result gets "-project" appended; "new" becomes
    "new-project". Scripts without a Latin transliteration give "" (the builder types one).
    """
    decomposed = unicodedata.normalize("NFKD", name or "")
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > SLUG_MAX:
        cut = slug[:SLUG_MAX]
        slug = cut[:cut.rfind("-")] if "-" in cut[SLUG_MAX // 2:] else cut
        slug = slug.strip("-")
    if len(slug) == 1 or slug in RESERVED_SLUGS:
        slug = f"{slug}-project"
    return slug
