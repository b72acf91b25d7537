"""The header's pending-invite badge: the count every signed-in page shows.

``teams/views.py`` registers ``invite_count`` as a template global and adds the count to
the session lookup of page views, so ``web/`` never imports this feature
(docs/architecture.md, "What may import what").
"""
from __future__ import annotations

from flask import g

from ..clock import utcnow
from ..db import db
from . import queries


def invite_count() -> int:
    """Return the signed-in builder's pending invite count (header badge), once per request.

    Called by the layout only, so pages rendered without it run no query for it.
    """
    if "invite_count" not in g:
        profile = g.get("profile")
        preloaded = g.get("preloaded") or {}
        if profile is None:
            g.invite_count = 0
        elif "invite_count" in preloaded:  # counted with the session (page views)
            g.invite_count = preloaded["invite_count"] or 0
        else:
            g.invite_count = queries.pending_invite_count(db.session, profile, utcnow())
    return g.invite_count
