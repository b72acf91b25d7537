"""htmx helpers: detect htmx requests, render named blocks, redirect the htmx way."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import make_response, redirect as flask_redirect, render_template, request
from jinja2_fragments.flask import render_block
from markupsafe import Markup


def is_htmx(*, boosted: bool = False) -> bool:
    """True for an htmx request that asks for a fragment (not a boosted or history-restore
    one: those get the whole page). With ``boosted=True``, true for every request htmx
    sent: htmx parses each answer itself, without running scripts or ``<noscript>``."""
    headers = request.headers
    if headers.get("HX-Request") != "true":
        return False
    return boosted or (headers.get("HX-Boosted") != "true"
                       and headers.get("HX-History-Restore-Request") != "true")


def target() -> str:
    """Return the id htmx targets (without '#'), or ''."""
    return (request.headers.get("HX-Target") or "").lstrip("#")


def vary(response):
    """Mark a response that depends on htmx headers."""
    response.vary.add("HX-Request")
    response.vary.add("HX-Target")
    return response


def page(template: str, blocks: dict[str, str] | None = None, status: int = 200, **context):
    """Render the whole page, or for htmx the block chosen by HX-Target.

    ``blocks`` is the allow-list mapping an HX-Target id to a block name: the client
    never names a block itself.
    """
    block = (blocks or {}).get(target()) if is_htmx() else None
    if block:
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    return vary(make_response(body, status))


def fragments(*parts: tuple[str, str, dict], status: int = 200):
    """Concatenate named blocks (e.g. a card plus an out-of-band header count)."""
    html = "".join(render_block(tpl, block, **ctx) for tpl, block, ctx in parts)
    return vary(make_response(Markup(html), status))


def redirect(url: str):
    """303 for plain requests; for htmx a 200 with HX-Redirect (never a 3xx)."""
    if is_htmx(boosted=True):
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return flask_redirect(url, 303)


def current_url_path() -> str:
    """Return the path (and query) of the page htmx was called from, or of this request."""
    hx = request.headers.get("HX-Current-URL")
    if hx:
        parts = urlsplit(hx)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.full_path.rstrip("?")
