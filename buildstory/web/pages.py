"""Site-wide pages: landing, dashboard, health, robots, the suspension page."""
from __future__ import annotations

from flask import Blueprint, Response, g, render_template, url_for
from sqlalchemy import text

from ..db import db
from . import htmx
from .auth import login_required

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    """Landing page; signed-in builders go to their dashboard."""
    if g.profile is not None:
        return htmx.redirect(url_for("pages.dashboard"))
    return render_template("home.html")


@bp.get("/dashboard")
@login_required
def dashboard():
    """The signed-in home: profile summary and next steps."""
    return render_template("dashboard.html", profile=g.profile)


@bp.get("/healthz")
def healthz():
    """200 ``ok`` when the database answers (one SELECT 1), 503 otherwise."""
    db.session.execute(text("SELECT 1"))
    return Response("ok", mimetype="text/plain")


@bp.get("/robots.txt")
def robots():
    """Crawl rules: public pages yes, private areas no."""
    body = "\n".join([
        "User-agent: *",
        "Disallow: /admin", "Disallow: /settings", "Disallow: /dashboard",
        "Disallow: /invites", "Disallow: /invite/", "Disallow: /onboarding",
        "Disallow: /username-check", "Disallow: /project-slug-check",
        f"Sitemap: {url_for('pages.home', _external=True)}sitemap.xml", ""])
    return Response(body, mimetype="text/plain")


@bp.get("/banned")
def banned():
    """The suspension page, with the reason when one was given."""
    profile = g.profile
    if profile is None or profile.banned_at is None:
        return htmx.redirect(url_for("pages.home"))
    return render_template("banned.html", reason=profile.ban_reason)
