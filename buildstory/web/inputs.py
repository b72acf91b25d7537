"""Input PostgreSQL can hold: no NUL ever reaches a view (bad input is never a 500: docs/architecture.md "Quality bars").

PostgreSQL text cannot contain NUL, so a NUL in a URL part, a query argument or a form
field would otherwise fail deep in a query as a 500. Two gates, once for every route:

* the default ``<name>`` converter (slugs, usernames, tokens, hashes) refuses control
  characters, so such a URL matches no route and is a 404, like a malformed UUID;
* query arguments and form fields arrive with NUL removed (it is never typed, only
  forged), so every form validates what is left and answers as usual.
"""
from __future__ import annotations

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import UnicodeConverter


class TextPart(UnicodeConverter):
    """One path segment of printable characters (no ``/``, no C0 controls, no DEL)."""

    def __init__(self, map, *args, **kwargs) -> None:
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", r"[^/\x00-\x1f\x7f]", 1)


def _clean(value):
    return value.replace("\x00", "") if isinstance(value, str) else value


class TextParameters(ImmutableMultiDict):
    """``request.args`` and ``request.form`` with NUL removed from names and values."""

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
            return
        if isinstance(mapping, MultiDict):
            pairs = mapping.items(multi=True)
        elif isinstance(mapping, dict):
            pairs = [(k, v) for k, vs in mapping.items()
                     for v in (vs if isinstance(vs, (list, tuple)) else [vs])]
        else:
            pairs = mapping
        super().__init__([(_clean(k), _clean(v)) for k, v in pairs])


class BuildstoryRequest(Request):
    """The request class of the app: parameters without NUL."""

    parameter_storage_class = TextParameters


def init_inputs(app) -> None:
    """Install the converter (before any blueprint adds its rules) and the request class."""
    app.url_map.converters["default"] = TextPart
    app.url_map.converters["string"] = TextPart
    app.request_class = BuildstoryRequest
