"""Unsubscribe tokens: a signature of (profile id, type), with no expiry, so the link in an
old email keeps working; the signature is the only authorisation its POST needs."""
from __future__ import annotations

import uuid

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "buildstory.unsubscribe"


def encode_unsubscribe(secret: str, profile_id, kind: str) -> str:
    return URLSafeSerializer(secret, salt=SALT).dumps([str(profile_id), kind])


def decode_unsubscribe(secret: str, token: str) -> tuple[uuid.UUID, str] | None:
    """Return (profile id, type) of a good token, else None."""
    try:
        value = URLSafeSerializer(secret, salt=SALT).loads(token)
        profile_id, kind = value
        return uuid.UUID(profile_id), str(kind)
    except (BadSignature, ValueError, TypeError):
        return None
