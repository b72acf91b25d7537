"""Rate limits (docs/architecture.md "Quality bars"), keyed so one venue behind an address is not locked out.

Per-browser limits key on the long-lived CSRF cookie (only a signed one this site issued;
anything else counts on the address); per-email limits on the normalised
submitted email, whether or not an account exists. Limits come from configuration.
"""
from __future__ import annotations

from flask import current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[])

DEFAULTS = {
    "RATE_SIGNIN_EMAIL": "10 per 15 minutes",
    "RATE_SIGNIN_ADDRESS": "300 per 15 minutes",
    "RATE_SIGNUP_BROWSER": "10 per hour",
    "RATE_SIGNUP_ADDRESS": "300 per hour",
    "RATE_USERNAME_BROWSER": "60 per minute",
    "RATE_USERNAME_ADDRESS": "1200 per minute",
    "RATE_RESET_EMAIL": "5 per hour",
    "RATE_RESET_ADDRESS": "300 per hour",
    "RATE_INVITES_ACCOUNT": "30 per hour",
    "RATE_AVATAR_ACCOUNT": "10 per hour",
}


def rate(name: str):
    """Return a callable limit string read from the config at request time."""
    return lambda: current_app.config.get(name, DEFAULTS[name])


def browser_key() -> str:
    """Key on this browser's CSRF cookie when this site issued it (it is signed); a missing
    or made-up cookie counts on the address, so rotating cookies does not reset a limit."""
    from .csrf import is_signed, request_cookie
    cookie = request_cookie()
    return f"browser:{cookie}" if is_signed(cookie) else f"addr:{get_remote_address()}"


def account_key() -> str:
    """Key on the signed-in profile (the address for anyone else)."""
    profile = g.get("profile")
    return f"profile:{profile.id}" if profile is not None else f"addr:{get_remote_address()}"


def email_key() -> str:
    """Key on the submitted email, trimmed and lower-cased."""
    return "email:" + (request.form.get("email") or "").strip().lower()[:320]


def failed(response) -> bool:
    """Count only refused attempts (the form shown again)."""
    return response.status_code >= 400


def init_limits(app) -> None:
    """Attach the limiter with the app's configuration."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    limiter.init_app(app)
