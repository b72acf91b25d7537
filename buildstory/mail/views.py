"""/settings/notifications (email per notification type) and /unsubscribe/<token>."""
from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request

from ..db import db
from ..web import htmx
from ..web.auth import login_required
from . import services, tokens
from .preferences import TYPES

bp = Blueprint("mail", __name__)
SETTINGS = "mail/settings.html"
SETTINGS_BLOCKS = {"notification-settings-form": "form"}
SAVED = "Notification settings saved."


def _clerk_without_key() -> bool:
    cfg = current_app.config
    return cfg["AUTH_PROVIDER"] == "clerk" and not cfg.get("CLERK_SECRET_KEY")


@bp.route("/settings/notifications", methods=["GET", "POST"])
@login_required
def settings():
    """An email checkbox per notification type (in-app notifications are always on)."""
    saved = False
    if request.method == "POST":
        services.save_email_choices(db.session, g.profile.id, {
            name: request.form.get(f"email_{name}") == "on" for name in TYPES})
        db.session.commit()
        saved = True
    return htmx.page(SETTINGS, SETTINGS_BLOCKS, types=list(TYPES.values()),
                     choices=services.email_choices(db.session, g.profile.id), saved=saved,
                     unavailable=_clerk_without_key())


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token):
    """One-click unsubscribe from an email's link or its List-Unsubscribe header. The POST
    carries no CSRF token (mail clients post without cookies): the signature authorises."""
    profile_id, kind = services.unsubscribe_target(
        db.session, tokens.decode_unsubscribe(current_app.config["SECRET_KEY"], token))
    done = request.method == "POST"
    if done:
        services.unsubscribe(db.session, profile_id, kind)
        db.session.commit()
    return render_template("mail/unsubscribe.html", token=token, label=TYPES[kind].label,
                           done=done)
