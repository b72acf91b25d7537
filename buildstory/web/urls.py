"""Memoised URL building: the links of lists and pages, built once per process.

A page builds the same links on every view (24 cards are ~50 links at 6-10 µs each in
Flask's ``url_for``). A relative URL depends only on the endpoint, its arguments and the
script root, so those are the key (every app instance builds the same URL map).
External URLs (``_external``), anchors, other underscore options, blueprint-relative
endpoints, calls outside a request and unhashable arguments go straight to Flask. The
templates' ``url_for`` is this function.
"""
from __future__ import annotations

from flask import url_for
from flask.globals import _cv_request  # the request context without the proxy's cost

MAX_URLS = 20_000
_built: dict = {}


def link_for(endpoint: str, **values) -> str:
    """Return ``url_for(endpoint, **values)``, remembered per process (see module doc)."""
    ctx = _cv_request.get(None)
    if ctx is None or endpoint[0] == ".":
        return url_for(endpoint, **values)
    key = [ctx.request.script_root, endpoint]
    for name, value in values.items():
        if name[0] == "_":
            return url_for(endpoint, **values)
        key += (name, value.__class__, value)
    key = tuple(key)
    try:
        url = _built.get(key)
    except TypeError:  # an unhashable argument
        return url_for(endpoint, **values)
    if url is None:
        url = url_for(endpoint, **values)
        if len(_built) >= MAX_URLS:
            _built.clear()
        _built[key] = url
    return url
