"""Mentor claim links: a random token (256 bits) in the approval email, only its SHA-256
stored on the application. Minted when the email is composed (``mail.tasks``), so a
retried or re-sent email carries a fresh link and the older one stops working."""
from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import update

from ..applications.models import MentorApplication

KIND = "mentor_approved"
SUBJECT = "You are a Buildstory mentor: claim your mentor account"


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def email_key(application_id, nonce: str) -> str:
    """The outbox dedupe key of one approval email; it names the application."""
    return f"{KIND}:{application_id}:{nonce}"


def application_of(dedupe_key: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(dedupe_key.split(":")[1])
    except (IndexError, ValueError):
        return None


def mint(session, application_id, *, now: datetime, ttl_days: int) -> str | None:
    """Store a new link's hash on an approved, unclaimed application; return the raw
    token (None when the application is gone, no longer approved, or claimed)."""
    raw = secrets.token_urlsafe(32)
    done = session.execute(
        update(MentorApplication)
        .where(MentorApplication.id == application_id, MentorApplication.status == "approved",
               MentorApplication.claimed_at.is_(None))
        .values(claim_token_hash=token_hash(raw),
                claim_expires_at=now + timedelta(days=ttl_days))
        .returning(MentorApplication.id)).first()
    return raw if done else None
