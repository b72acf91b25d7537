"""Signed tokens: the session cookie, password-reset and email-address links (HS256 under
SECRET_KEY)."""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from functools import lru_cache

import jwt
from flask import current_app

ALGORITHM = "HS256"


def encode_session(user_session) -> str:
    """Return the cookie value for a ``sessions`` row: a JWT carrying only its id."""
    claims = {"sid": user_session.id, "typ": "session",
              "exp": int(user_session.expires_at.timestamp())}
    return jwt.encode(claims, current_app.config["SECRET_KEY"], algorithm=ALGORITHM)


def decode_session(value: str) -> str | None:
    """Return the session id of a valid cookie, or None."""
    found = _session_claims(value, current_app.config["SECRET_KEY"])
    if found is None or found[1] < time.time():  # expired (as PyJWT's own check)
        return None
    return found[0]


@lru_cache(maxsize=4096)
def _session_claims(value: str, secret: str) -> tuple[str, float] | None:
    """Return ``(sid, exp)`` of a cookie whose signature and shape are good, else None.

    Kept per (cookie, key): a browser sends the same cookie on every request, and the
    HMAC check is then done once; the expiry is compared on every use.
    """
    try:
        claims = jwt.decode(value, secret, algorithms=[ALGORITHM],
                            options={"require": ["exp", "sid"], "verify_exp": False})
    except jwt.InvalidTokenError:
        return None
    exp = claims["exp"]
    if claims.get("typ") != "session" or isinstance(exp, bool) \
            or not isinstance(exp, (int, float)):
        return None
    return claims["sid"], exp


def _fingerprint(account) -> str:
    changed = account.password_changed_at or account.created_at
    return f"{changed.timestamp():.6f}"


def encode_reset(account, secret: str, *, now: datetime, ttl=timedelta(hours=1)) -> str:
    """Return a reset token valid for an hour and only until the password next changes."""
    claims = {"sub": account.id, "typ": "reset", "pwc": _fingerprint(account),
              "exp": int((now + ttl).timestamp()), "iat": int(now.timestamp())}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_reset(token: str, secret: str, *, now: datetime) -> dict | None:
    """Return the reset claims when signature, type and expiry are good, else None."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM],
                            options={"require": ["exp", "sub", "pwc"], "verify_exp": False})
    except jwt.InvalidTokenError:
        return None
    if claims.get("typ") != "reset" or claims["exp"] <= now.timestamp():
        return None
    return claims


def reset_matches(account, claims: dict) -> bool:
    """True while the password has not changed since the token was issued (single use)."""
    return claims.get("pwc") == _fingerprint(account)


def _verified_fingerprint(account) -> str:
    return f"{account.email_verified_at.timestamp():.6f}" if account.email_verified_at else ""


def encode_email_link(account, secret: str, *, now: datetime, new_email: str | None = None,
                      ttl=timedelta(hours=24)) -> str:
    """A 24-hour link confirming the account's address (or ``new_email``), bound to the
    current address and to ``email_verified_at``: following it changes one of them, so it
    works once."""
    claims = {"sub": account.id, "typ": "email", "cur": account.email,
              "ver": _verified_fingerprint(account), "new": new_email,
              "exp": int((now + ttl).timestamp()), "iat": int(now.timestamp())}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_email_link(token: str, secret: str, *, now: datetime) -> dict | None:
    """Return the claims of a well-signed, unexpired email link, else None."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM],
                            options={"require": ["exp", "sub", "cur"], "verify_exp": False})
    except jwt.InvalidTokenError:
        return None
    if claims.get("typ") != "email" or claims["exp"] <= now.timestamp():
        return None
    return claims


def email_link_matches(account, claims: dict) -> bool:
    """True while the address and its verification are what they were when minted."""
    return (claims.get("cur") or "").lower() == account.email.lower() and \
        claims.get("ver") == _verified_fingerprint(account)
