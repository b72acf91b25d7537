"""Networkless verification of Clerk session tokens (RS256 with a configured PEM key)."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

import jwt


class ClerkTokenInvalid(Exception):
    """The token is not a valid Clerk session token for this site."""


def verify_clerk_token(token: str, *, key: str, authorized_parties: list[str],
                       now: datetime, leeway: int = 5, issuer: str = "") -> dict:
    """Return the verified claims or raise ClerkTokenInvalid.

    Only RS256 is accepted (so ``alg: none`` and HS-signed tokens — e.g. signed with the
    public key as an HMAC secret — fail); ``exp`` and ``nbf`` are required and checked
    against ``now``; ``azp`` must be one of ``authorized_parties`` when any are configured;
    ``iss`` must be ``issuer`` (the Clerk instance's Frontend API URL) when one is given —
    the app refuses to start in Clerk mode without both.
    """
    if not key:
        raise ClerkTokenInvalid("CLERK_JWT_KEY is not configured")
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != "RS256":
            raise ClerkTokenInvalid("algorithm not allowed")
        claims = jwt.decode(token, key, algorithms=["RS256"], leeway=leeway,
                            options={"require": ["exp", "nbf", "sub"], "verify_exp": False,
                                     "verify_nbf": False, "verify_iat": False,
                                     "verify_aud": False})
    except jwt.InvalidTokenError as exc:
        raise ClerkTokenInvalid(str(exc)) from None
    ts = now.timestamp()
    if claims["exp"] + leeway <= ts:
        raise ClerkTokenInvalid("expired")
    if claims["nbf"] - leeway > ts:
        raise ClerkTokenInvalid("not yet valid")
    if authorized_parties and claims.get("azp") not in authorized_parties:
        raise ClerkTokenInvalid("unauthorized party")
    if issuer and str(claims.get("iss", "")).rstrip("/") != issuer.rstrip("/"):
        raise ClerkTokenInvalid("wrong issuer")
    return claims


IMAGE_URL_MAX = 2000


def image_url_from_claims(claims: dict, host: str) -> str | None:
    """Return the token's ``image_url`` claim when it is an https URL on Clerk's image host.

    Any other value (http, another host, credentials, a port, over 2000 characters) is
    dropped: the page could not load it anyway, the CSP allows only that host for images.
    """
    value = claims.get("image_url")
    if not isinstance(value, str) or not host or len(value) > IMAGE_URL_MAX:
        return None
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    if (parts.scheme != "https" or (parts.hostname or "") != host.lower() or port is not None
            or "@" in parts.netloc or not parts.path or any(c.isspace() for c in value.strip())):
        return None
    return value.strip()


def display_name_from_claims(claims: dict) -> str | None:
    """Return a display name from common Clerk claim names, if the token carries one."""
    for key in ("name", "full_name", "username"):
        value = claims.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:100]
    first, last = claims.get("first_name") or "", claims.get("last_name") or ""
    joined = f"{first} {last}".strip()
    return joined[:100] or None
