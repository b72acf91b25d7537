"""Jinja setup: filters for dates and labels, and the htmx configuration."""
from __future__ import annotations

import json
from collections import ChainMap
from functools import partial

from flask.templating import Environment as FlaskEnvironment
from jinja2 import Template as JinjaTemplate, nodes
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
    # New content is processed by htmx in the settle step. With the default 20 ms delay a
    # keyboard user could Tab to a freshly swapped button and press it before htmx had
    # taken it over, sending the plain form instead (a full reload that loses the focus).
    # We use no settle transitions, so settle at once, in the same task as the swap.
    "defaultSettleDelay": 0,
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


class Template(JinjaTemplate):
    """A template whose every context starts with the macros its top level imports.

    A full page runs its top-level ``{% from "_ui.html" import csrf %}`` before any block;
    an htmx fragment (jinja2-fragments' ``render_block``) runs one block alone, so those
    names were undefined there and the fragment crashed ("'csrf' is undefined"). Seeding
    every context with the same imports gives each fragment what its full page has.
    """

    def new_context(self, vars=None, shared=False, locals=None):
        context = super().new_context(vars, shared, locals)
        context.vars.update(self._imported())
        return context

    def _imported(self) -> dict:
        """Return alias → macro (or module) for the top-level imports; resolved once,
        or on every call while templates reload on change (development)."""
        found = self.__dict__.get("_bs_imported")
        if found is None:
            env, found = self.environment, {}
            for source, names in self._top_level_imports():
                module = env.get_template(source, parent=self.name)._get_default_module()
                for name, alias in names:
                    found[alias] = getattr(module, name) if name else module
            if not env.auto_reload:
                self.__dict__["_bs_imported"] = found
        return found

    def _top_level_imports(self) -> list[tuple[str, list[tuple[str | None, str]]]]:
        """Return ``(template, [(name or None for the whole module, alias)])`` for each
        import outside blocks and macros, read once from the template's source."""
        found = self.__dict__.get("_bs_imports")
        if found is None:
            found = []
            if self.name is not None:
                source = self.environment.loader.get_source(self.environment, self.name)[0]
                for node in self.environment.parse(source, self.name).body:
                    if isinstance(node, (nodes.FromImport, nodes.Import)) and \
                            isinstance(node.template, nodes.Const) and not node.with_context:
                        if isinstance(node, nodes.Import):
                            names = [(None, node.target)]
                        else:
                            names = [n if isinstance(n, tuple) else (n, n) for n in node.names]
                        found.append((node.template.value, names))
            self.__dict__["_bs_imports"] = found
        return found


class Environment(FlaskEnvironment):
    """Flask's Jinja environment, with ``TemplateGlobals`` for every template, templates
    that give fragments their page's imports, and an unbounded template cache (a plain
    dict: the app has a few dozen templates, and Jinja's LRU bookkeeping ran on every
    import of a macro file)."""

    template_class = Template

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
