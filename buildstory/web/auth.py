"""The current builder: session cookie (or a Clerk token) → ``g.profile``; access decorators."""
from __future__ import annotations

from datetime import timedelta
from functools import cache, wraps
from urllib.parse import urlencode

from flask import abort, current_app, g, request, url_for
from sqlalchemy import bindparam

from ..clock import utcnow
from ..db import db
from ..enums import UserRole
from ..identity import services, tokens
from ..identity.clerk import (ClerkTokenInvalid, display_name_from_claims, image_url_from_claims,
                              verify_clerk_token)
from ..identity.roles import effective_role, has_role, is_super_admin
from ..profiles.models import Profile
from . import htmx

LAST_SEEN_EVERY = timedelta(minutes=5)
BANNED_ALLOWED = {"pages.banned", "identity.sign_out", "static", "pages.healthz",
                  "pages.robots", "notifications.bell"}  # the bell answers 286 itself
# Requests a page sends on its own (the bell's poll) are not the builder being active:
# they leave last_seen_at alone.
QUIET_ENDPOINTS = {"notifications.bell"}


def admin_ids() -> frozenset:
    """Return the configured super-admin identity ids (``ADMIN_USER_IDS``)."""
    return current_app.config["ADMIN_USER_IDS"]


def _session_cookie():
    """The session cookie, under its name or (once, then reissued) its pre-production one."""
    cfg = current_app.config
    value = request.cookies.get(cfg["SESSION_COOKIE_NAME"])
    legacy = cfg.get("LEGACY_SESSION_COOKIE_NAME")
    if not value and legacy and request.cookies.get(legacy):
        value = request.cookies[legacy]
        g.legacy_session_cookie = value
    return value


def _load_from_cookie(now):
    value = _session_cookie()
    sid = tokens.decode_session(value) if value else None
    if not sid:
        return None
    if g.get("legacy_session_cookie"):
        g.set_session_cookie = value  # the same session, under the __Host- name
    if request.method not in ("GET", "HEAD"):
        return services.load_session(db.session, sid, now=now)
    # A page view: the values features asked for (the header badge's invite count) come
    # along with the session (one round trip fewer per page). Only for GET/HEAD, which
    # change nothing; after a POST a feature computes its value when a template asks.
    names = tuple(_PAGE_VIEW_COLUMNS)
    row = db.session.execute(_page_view_statement(names), {"sid": sid, "now": now}).first()
    if row is None:
        return None
    g.preloaded = dict(zip(names, row[2:]))
    return row[0], row[1]


# Scalars features add to the session lookup of page views: name → column builder.
_PAGE_VIEW_COLUMNS: dict = {}


def preload_with_session(name: str, column) -> None:
    """Add ``column(profile_id, now)`` (a scalar subquery) to the session lookup of GET page
    views; its value is then ``g.preloaded[name]`` (the header's invite count uses this)."""
    _PAGE_VIEW_COLUMNS[name] = column


@cache
def _page_view_statement(names: tuple[str, ...]):
    """``identity.services.live_session_statement`` plus the features' page-view columns."""
    return services.live_session_statement().add_columns(
        *(_PAGE_VIEW_COLUMNS[name](Profile.id, bindparam("now")).label(name) for name in names))


def _clerk_token() -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        return auth[7:].strip() or None
    return request.cookies.get("__session")


def _mint_from_clerk(now):
    """Verify a Clerk token and mint our own session (a documented GET-time write)."""
    token = _clerk_token()
    if not token:
        return None
    cfg = current_app.config
    try:
        claims = verify_clerk_token(token, key=cfg["CLERK_JWT_KEY"],
                                    authorized_parties=cfg["CLERK_AUTHORIZED_PARTIES"], now=now,
                                    issuer=cfg.get("CLERK_ISSUER", ""))
    except ClerkTokenInvalid:
        return None
    identity = claims["sub"]
    if services.is_deleted_identity(db.session, identity):
        raise services.IdentityDeleted()
    # A session minted from a Clerk token lasts CLERK_SESSION_HOURS (12 by default), not
    # the 30 days of a password sign-in: Clerk's own session may end much sooner.
    hours = cfg.get("CLERK_SESSION_HOURS", 12)
    sess = services.create_session(db.session, identity, user_agent=request.user_agent.string,
                                   now=now, lifetime=timedelta(hours=hours))
    profile = services.ensure_profile(
        db.session, identity, display_name=display_name_from_claims(claims), from_clerk=True,
        clerk_image_url=image_url_from_claims(claims, cfg.get("CLERK_IMAGE_HOST", "")))
    db.session.commit()
    g.set_session_cookie = tokens.encode_session(sess)
    g.set_session_max_age = hours * 3600
    return sess, profile


def load_current_user():
    """before_request: set g.profile, g.user_session and g.role; send banned builders away."""
    g.profile = g.user_session = g.role = None
    if request.endpoint == "static":
        return None
    now = utcnow()
    row = _load_from_cookie(now)
    if row is None and current_app.config["AUTH_PROVIDER"] == "clerk":
        row = _mint_from_clerk(now)
    if row is None:
        return None
    sess, profile = row
    if profile is None:
        profile = services.ensure_profile(db.session, sess.identity_id)
        db.session.commit()
    g.user_session, g.profile = sess, profile
    g.role = effective_role(profile, admin_ids())
    if request.endpoint not in QUIET_ENDPOINTS:
        _touch_last_seen(profile, now)
    if profile.banned_at is not None and request.endpoint not in BANNED_ALLOWED:
        return htmx.redirect(url_for("pages.banned"))
    return None


def _touch_last_seen(profile, now):
    """Throttled last_seen_at write (a documented GET-time write, committed on its own)."""
    if profile.last_seen_at is None or now - profile.last_seen_at > LAST_SEEN_EVERY:
        profile.last_seen_at = now
        db.session.commit()


def set_cookies(response):
    """after_request: store a session minted (or renamed) during this request."""
    value = g.get("set_session_cookie")
    cfg = current_app.config
    if value and not any(h.startswith(cfg["SESSION_COOKIE_NAME"] + "=")
                         for h in response.headers.getlist("Set-Cookie")):
        response.set_cookie(cfg["SESSION_COOKIE_NAME"], value, httponly=True, samesite="Lax",
                            secure=cfg["SESSION_COOKIE_SECURE"],
                            max_age=g.get("set_session_max_age",
                                          cfg["SESSION_LIFETIME_DAYS"] * 86400))
    if g.get("legacy_session_cookie"):
        response.delete_cookie(cfg["LEGACY_SESSION_COOKIE_NAME"],
                               secure=cfg["SESSION_COOKIE_SECURE"], samesite="Lax")
    return response


def sign_in_url() -> str:
    """Return /sign-in?next=<where the visitor was going> (the referrer for POST-only URLs)."""
    if request.method == "GET":
        target = htmx.current_url_path()
    else:
        ref = request.referrer or ""
        host = request.host_url
        target = ref[len(host) - 1:] if ref.startswith(host) else "/"
    return url_for("identity.sign_in") + "?" + urlencode({"next": target})


def login_required(view):
    """Redirect anonymous visitors to sign in (htmx: HX-Redirect)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.get("profile") is None:
            return htmx.redirect(sign_in_url())
        return view(*args, **kwargs)
    return wrapper


CHOOSE_USERNAME = "Choose a username first: it is your handle for mentions and your profile link."


def username_required(view):
    """Send a builder without a username (Clerk mode, before onboarding) to choose one.

    Registering, creating projects and sending invites show the builder's handle to
    others, so they wait for it: the answer is a 303 (htmx: HX-Redirect) to /settings,
    which comes back to the page the builder was on once the username is saved.
    """
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not g.profile.username:
            target = sign_in_url().split("next=", 1)[1]  # the same "where they were going"
            return htmx.redirect(url_for("profiles.settings") + "?choose=username&next=" + target)
        return view(*args, **kwargs)
    return wrapper


def role_required(role: str):
    """Require an effective role of at least ``role`` (403 otherwise)."""
    needed = UserRole(role)

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not has_role(g.profile, admin_ids(), needed):
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return decorator


def template_context():
    """Values every template may use."""
    profile = g.get("profile")
    role = g.get("role")
    return {
        "current_profile": profile,
        "current_role": role,
        "is_moderator": role in (UserRole.moderator, UserRole.admin),
        "is_admin": role == UserRole.admin,
        "is_super_admin": is_super_admin(profile, admin_ids()),
    }
