"""Username rules: one function serves the live check and every submit (docs/rules.md "Profiles")."""
from __future__ import annotations

import re

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,28}[a-z0-9]$")
USERNAME_FORMAT = ("Username must be 3-30 characters, start and end with a letter or number, "
                   "and contain only lowercase letters, numbers, hyphens, and underscores")
USERNAME_TAKEN = "Username is already taken"

RESERVED = frozenset("""
admin administrator api app auth avatars banned blog buildstory dashboard docs events help
invite invites login logout me members mod moderation moderator new null onboarding profiles
projects root settings sign-in sign-out sign-up signin signup sitemap staff static streams
support system team undefined www
""".split())


def normalise_username(raw: str | None) -> str:
    """Return the input trimmed and lower-cased (the form every rule sees)."""
    return (raw or "").strip().lower()


def username_format_error(name: str) -> str | None:
    """Return the format message for a normalised name, or None when the format is fine."""
    return None if USERNAME_RE.fullmatch(name) else USERNAME_FORMAT


def is_reserved(name: str) -> bool:
    """True for names the site keeps for itself (shown to users as taken)."""
    return name in RESERVED
