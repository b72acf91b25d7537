"""Site-wide pages: landing, dashboard, health, robots, the suspension page.

The landing page and the dashboard show the featured event (countdown and stats); the
dashboard adds the builder's registration, projects, pending invites and the community
card. The sitemap's routes live in ``home/sitemap.py`` on this blueprint (``pages``).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, current_app, g, render_template, url_for
from sqlalchemy import text

from .. import cache
from ..clock import utcnow
from ..db import db
from ..events import queries as event_queries
from ..events import rules as event_rules
from ..events.rules import SEEKING
from ..markdown import meta_description
from ..profiles import services as profile_services
from ..projects import queries as project_queries
from ..teams import queries as team_queries
from ..teams.header import invite_count
from ..web import htmx
from ..web.auth import login_required
from . import queries

bp = Blueprint("pages", __name__)

DASHBOARD_PROJECTS = 6
DASHBOARD_INVITES = 5
DASHBOARD_BLOCKS = {"community-card": "community_card"}


def _featured_stats(event) -> dict:
    """The featured event's counts, kept for STATS_CACHE_SECONDS (``buildstory/cache.py``;
    the same entry as the event page's)."""
    return cache.cached(("event_stats", event.id),
                        lambda: event_queries.event_stats(db.session, event))


def _featured_context(now) -> dict:
    """The featured event and its stats (two statements, one when the stats are cached;
    none without a featured event)."""
    return _event_context(event_queries.featured_event(db.session), now)


def _event_context(event, now) -> dict:
    """The featured event's part of the landing page and the dashboard."""
    return {"event": event, "now": now,
            "stats": _featured_stats(event) if event else None,
            "refusal": event_rules.registration_refusal(event, now) if event else None}


@bp.get("/")
def home():
    """Landing page; signed-in builders go to their dashboard."""
    if g.profile is not None:
        return htmx.redirect(url_for("pages.dashboard"))
    return render_template("home.html", **_featured_context(utcnow()),
                           activity=queries.recent_activity(db.session))


def onboarding_url() -> str:
    """Return the URL of the onboarding flow."""
    return url_for("events.onboarding")


@dataclass(frozen=True)
class Step:
    """One line of the dashboard's "Next steps" checklist."""

    text: str
    url: str
    done: bool


def next_steps(profile, event, registration, refusal, projects, register_url) -> list[Step]:
    """Return the checklist of what a builder could do next, done ones ticked."""
    settings = url_for("profiles.settings")
    steps = []
    if not profile.username:
        steps.append(Step("Choose your username", settings, False))
    steps += [Step("Add a bio and where you build from", settings,
                   bool(profile.bio and profile.country)),
              Step("Add a profile photo", settings, bool(profile.avatar_hash))]
    if event is not None and (registration is not None or refusal is None):
        steps.append(Step(f"Register for {event.name}", register_url, registration is not None))
    steps.append(Step("Create a project or join a team", url_for("projects.new"), bool(projects)))
    return steps


def _registration_actions(event, registration, refusal) -> dict:
    """Where the registration call to action leads: onboarding or the event's panel."""
    if event is None:
        return {"register_url": None, "panel_url": None, "onboarding_url": None}
    panel = url_for("events.show", slug=event.slug) + "#registration"
    onboarding = onboarding_url() if refusal is None else None
    finish = onboarding if registration is not None and not registration.onboarding_completed_at \
        else None
    return {"register_url": onboarding or panel, "panel_url": panel, "onboarding_url": finish}


@bp.get("/dashboard")
@login_required
def dashboard():
    """The signed-in home: featured event and registration, projects, invites, next steps."""
    return htmx.page("dashboard.html", DASHBOARD_BLOCKS, **_dashboard_context(g.profile))


def _dashboard_context(profile) -> dict:
    now = utcnow()
    session = db.session
    event, registration = event_queries.featured_event_and_registration(session, profile)
    ctx = _event_context(event, now)
    refusal = ctx["refusal"]
    projects = project_queries.projects_of(session, profile, limit=DASHBOARD_PROJECTS + 1)
    # The header badge's count first (it came with the session lookup): most builders
    # have no invite waiting, and then no invites are loaded with their projects.
    invites = team_queries.received_invites(session, profile, now) if invite_count() else []
    actions = _registration_actions(event, registration, refusal)
    seeking = registration is not None and registration.team_preference in SEEKING
    return {**ctx, **actions, "profile": profile, "registration": registration,
            "projects": projects[:DASHBOARD_PROJECTS],
            "more_projects": len(projects) > DASHBOARD_PROJECTS,
            "invites": invites[:DASHBOARD_INVITES], "invite_total": len(invites),
            "seeking": seeking, "excerpt": meta_description,
            "steps": next_steps(profile, event, registration, refusal, projects,
                                actions["register_url"]),
            "community_url": current_app.config.get("DISCORD_INVITE_URL") or None,
            "show_community": _shows_community_card(profile), "dismissed_now": False}


def _shows_community_card(profile) -> bool:
    return bool(current_app.config.get("DISCORD_INVITE_URL")) \
        and not profile.discord_card_dismissed


@bp.post("/dashboard/community-card/dismiss")
@login_required
def dismiss_community_card():
    """Hide the community card for good (htmx: the card goes; otherwise 303 back)."""
    profile_services.dismiss_community_card(db.session, g.profile)
    db.session.commit()
    if not htmx.is_htmx():
        return htmx.redirect(url_for("pages.dashboard"))
    return htmx.fragments(("dashboard.html", "community_card",
                           {"show_community": False, "dismissed_now": True,
                            "community_url": None}))


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

