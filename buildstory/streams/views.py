"""The public /streams page.

Live status needs ``TWITCH_CLIENT_ID`` and ``TWITCH_CLIENT_SECRET``; without them, or
while Twitch does not answer, the page lists the channels without it.
"""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, render_template

from ..db import db
from ..events.queries import featured_event
from ..web.args import page_arg
from . import queries
from .twitch import DEFAULT_API_BASE, DEFAULT_AUTH_BASE, HelixClient, TwitchUnavailable

bp = Blueprint("streams", __name__)
log = logging.getLogger("buildstory.streams")

OFF, OK, UNAVAILABLE = "off", "ok", "unavailable"


def helix_client() -> HelixClient | None:
    """Return the app's Helix client for the configured credentials, or None without them."""
    cfg = current_app.config
    client_id, secret = cfg.get("TWITCH_CLIENT_ID"), cfg.get("TWITCH_CLIENT_SECRET")
    if not client_id or not secret:
        return None
    key = (client_id, secret, cfg.get("TWITCH_API_BASE") or DEFAULT_API_BASE,
           cfg.get("TWITCH_AUTH_BASE") or DEFAULT_AUTH_BASE)
    clients = current_app.extensions.setdefault("twitch_clients", {})
    if key not in clients:
        clients[key] = HelixClient(key[0], key[1], api_base=key[2], auth_base=key[3])
    return clients[key]


def live_now(categories, logins) -> tuple[str, dict]:
    """Return (live status state, ``{login: LiveStream}``) for the streams page."""
    client = helix_client()
    if client is None:
        return OFF, {}
    try:
        return OK, client.live_streams([c.twitch_id for c in categories], logins)
    except TwitchUnavailable as exc:
        log.warning("Twitch live status unavailable: %s", exc)
        return UNAVAILABLE, {}


@bp.get("/streams")
def index():
    """Participants' Twitch channels for the featured event, live ones first."""
    event = featured_event(db.session)
    categories = queries.followed_categories(db.session)
    ctx = {"event": event, "categories": categories, "rows": [], "has_next": False,
           "page": page_arg(), "total": 0, "live": {}, "live_state": OFF}
    if event is not None:
        ctx["total"], logins = queries.streamer_logins(db.session, event.id)
        ctx["live_state"], ctx["live"] = live_now(categories, logins)
        ctx["rows"], ctx["has_next"] = queries.streamers_page(db.session, event.id,
                                                              ctx["live"].keys(), ctx["page"])
    return render_template("streams/index.html", **ctx)
