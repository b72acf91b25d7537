"""Jinja setup: filters for dates and labels, and the htmx configuration."""
from __future__ import annotations

import json

from markupsafe import Markup

HTMX_CONFIG = json.dumps({
    # htmx 2 ignores 4xx/5xx by default; we swap them (422/409 in place, the rest is
    # retargeted to #messages by the server).
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        {"code": "[45]..", "swap": True, "error": True},
    ],
    "allowEval": False,
    "includeIndicatorStyles": False,
    "historyCacheSize": 0,
    "selfRequestsOnly": True,
}, separators=(",", ":"))


def label(value) -> str:
    """Return the human label of an enum member (``{{ profile.experience_level|label }}``)."""
    if value is None:
        return ""
    return getattr(value, "label", str(value))


def iso(dt) -> str:
    """Return an ISO-8601 UTC timestamp for ``<time datetime>``."""
    return dt.isoformat().replace("+00:00", "Z") if dt else ""


def utc_text(dt) -> str:
    """Return a readable UTC time (the script turns it into the viewer's local time)."""
    return dt.strftime("%-d %b %Y, %H:%M UTC") if dt else ""


def init_jinja(app) -> None:
    """Register filters and globals."""
    app.jinja_env.filters.update(label=label, iso=iso, utc_text=utc_text)
    from ..markdown import render as render_markdown
    app.jinja_env.filters["markdown"] = render_markdown  # the one way user text becomes HTML
    app.jinja_env.globals["htmx_config"] = Markup.escape(HTMX_CONFIG)
    from ..profiles.avatars import avatar_url, initials, initials_colour
    app.jinja_env.globals.update(avatar_url=avatar_url, initials=initials,
                                 initials_colour=initials_colour)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
