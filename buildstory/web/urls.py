"""Memoised URL building: the links of lists and pages, built once per process.

A page builds the same links on every view (24 cards are ~50 links at 6-10 µs each in
Flask's ``url_for``). A relative URL depends only on the endpoint, its arguments and the
script root, so those are the key. External URLs (``_external``), anchors, other
underscore options, blueprint-relative endpoints, calls outside a request and
unhashable arguments go straight to Flask. The templates' ``url_for`` is this function.
"""
from __future__ import annotations

from flask import current_app, has_request_context, request, url_for

MAX_URLS = 20_000


def link_for(endpoint: str, **values) -> str:
    """Return ``url_for(endpoint, **values)``, remembered per process (see module doc)."""
    if endpoint[:1] == "." or not has_request_context() or any(k[:1] == "_" for k in values):
        return url_for(endpoint, **values)
    built = current_app.extensions.setdefault("buildstory_urls", {})
    try:
        key = (request.script_root, endpoint,
               *sorted((k, type(v), v) for k, v in values.items()))
        url = built.get(key)
    except TypeError:  # an unhashable or unorderable argument
        return url_for(endpoint, **values)
    if url is None:
        url = url_for(endpoint, **values)
        if len(built) >= MAX_URLS:
            built.clear()
        built[key] = url
    return url
