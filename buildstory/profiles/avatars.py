"""Avatar URLs: a versioned URL for an uploaded image, or an inline initials SVG."""
from __future__ import annotations

import hashlib

from flask import url_for

PALETTE = ["#5b3fd6", "#0f766e", "#b45309", "#be123c", "#1d4ed8", "#7c3aed", "#047857",
           "#c2410c"]


def avatar_url(profile) -> str | None:
    """Return the immutable URL of the builder's uploaded avatar, or None."""
    if not profile.avatar_hash:
        return None
    return url_for("profiles.avatar", profile_id=profile.id, digest=profile.avatar_hash)


def initials(name: str | None) -> str:
    """Return up to two initials of a display name ("Ada Lovelace" → "AL")."""
    parts = [p for p in (name or "").split() if p[:1].isalnum()]
    letters = "".join(p[0] for p in parts[:2]) or (name or "?")[:1]
    return letters.upper()


def initials_colour(profile) -> str:
    """Return a stable background colour for the initials avatar."""
    digest = hashlib.sha256(str(profile.id).encode()).digest()
    return PALETTE[digest[0] % len(PALETTE)]
