"""Jinja setup: filters for dates and labels, and the htmx configuration."""
from __future__ import annotations

import json
from collections import ChainMap
from functools import partial

from flask.templating import Environment as FlaskEnvironment
from jinja2_fragments.flask import render_block
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


class TemplateGlobals(ChainMap):
    """A template's globals (Jinja's ChainMap of its own and the environment's) whose
    ``keys()`` is a plain set.

    Jinja subtracts these keys from the rendering context's each time a template imports
    macros (``{% from "_ui.html" import … %}``), which our fragment blocks do once per card
    of a list; a ChainMap's keys view answers that key by key in Python (~50 µs per
    import), a set in C (~2 µs). Same keys, same values.
    """

    def keys(self):
        return set().union(*self.maps)


class Environment(FlaskEnvironment):
    """Flask's Jinja environment, with ``TemplateGlobals`` for every template and an
    unbounded template cache (a plain dict: the app has a few dozen templates, and Jinja's
    LRU bookkeeping ran on every import of a macro file)."""

    def __init__(self, app, **options):
        options.setdefault("cache_size", -1)
        super().__init__(app, **options)

    def make_globals(self, d):
        return TemplateGlobals({} if d is None else d, self.globals)


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


def fragment(template: str, block: str, **context) -> Markup:
    """Render another page's named block in place (e.g. the invite card on the dashboard),
    so a card has one template wherever it shows and its htmx answers fit every page."""
    return Markup(render_block(template, block, **context))


def ago(dt, now) -> str:
    """Return how long before ``now`` ``dt`` was: "just now", "5 min ago", "3 h ago",
    "2 days ago", then the date."""
    seconds = max(0, int((now - dt).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    if seconds < 86400 * 30:
        days = seconds // 86400
        return "1 day ago" if days == 1 else f"{days} days ago"
    return dt.strftime("%-d %b %Y")


def init_jinja(app) -> None:
    """Register filters and globals."""
    from .urls import link_for
    app.jinja_env.globals["url_for"] = link_for  # Flask's, memoised (web/urls.py)
    app.jinja_env.filters.update(label=label, iso=iso, utc_text=utc_text, ago=ago)
    app.jinja_env.globals["fragment"] = fragment
    from .htmx import is_htmx
    # Any htmx request: its answer is parsed without scripting, so no <noscript> fallbacks.
    app.jinja_env.globals["htmx_request"] = partial(is_htmx, boosted=True)
    from ..markdown import render as render_markdown
    app.jinja_env.filters["markdown"] = render_markdown  # the one way user text becomes HTML
    app.jinja_env.globals["htmx_config"] = Markup.escape(HTMX_CONFIG)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
