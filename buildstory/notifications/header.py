"""The header's bell: the signed-in builder's unread count, once per request.

``notifications/views.py`` registers ``notification_count`` as a template global and adds
the count to the session lookup of page views, so ``web/`` never imports this feature
(docs/architecture.md, "What may import what").
"""
from __future__ import annotations

from flask import g

from ..db import db
from . import queries


def notification_count() -> int:
    """Return the signed-in builder's unread count (capped at 100), once per request.

    Page views read it with the session (no statement of its own); after a POST it is
    counted when a template asks.
    """
    if "notification_count" not in g:
        profile = g.get("profile")
        preloaded = g.get("preloaded") or {}
        if profile is None:
            g.notification_count = 0
        elif "notification_count" in preloaded:
            g.notification_count = preloaded["notification_count"] or 0
        else:
            g.notification_count = queries.unread_count(db.session, profile)
    return g.notification_count
