"""Pure rules of the catalogue: folding names to keys, slugs, name checks (no database)."""
from __future__ import annotations

import re
import unicodedata

NAME_MAX = 60
DESCRIPTION_MAX = 500
NO_LETTER = "Tool name must contain a letter or number"
_SLUG_GROUPS = re.compile(r"[a-z0-9]+")


def _strip_marks(text: str) -> str:
    """NFKD, then drop the combining marks (so "é" becomes "e")."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def fold(name: str | None) -> str:
    """Return the de-duplication key of a tool name: NFKD, marks dropped, casefolded,
    letters and digits only ("Claude Code", "claude-code" and " CLAUDE CODE" → ``claudecode``)."""
    return "".join(c for c in _strip_marks(name or "").casefold() if c.isalnum())


def base_slug(name: str) -> str:
    """Return the name's ASCII letters and digits in hyphen-joined groups, ``tool`` if none."""
    return "-".join(_SLUG_GROUPS.findall(_strip_marks(name).lower())) or "tool"


def next_slug(base: str, taken: set[str]) -> str:
    """Return ``base`` or the first of ``base-2``, ``base-3``, … not in ``taken``."""
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def name_error(name: str, label: str) -> str | None:
    """Return the message for a trimmed tool name that cannot be stored, else None."""
    if not name:
        return f"{label} is required"
    if len(name) > NAME_MAX:
        return f"{label} must be at most {NAME_MAX} characters"
    if not fold(name):
        return NO_LETTER
    return None


def clean_name(raw: str | None) -> str:
    """Return a submitted name trimmed, inner runs of whitespace made one space."""
    return " ".join((raw or "").split())
