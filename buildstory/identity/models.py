"""Identity tables: local accounts, sessions, deleted identities and the legacy users table.

Identity ids are text (``user_…``), the same value as ``profiles.clerk_id``. There are
no foreign keys to profiles: an account exists before ``ensure_profile`` creates its
profile, and deleting a user removes these rows explicitly (docs/rules.md "Moderation").
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, Text, func
from sqlalchemy.dialects.postgresql import CITEXT
from sqlalchemy.orm import Mapped, mapped_column

from buildstory.db import db


class Account(db.Model):
    """A local-provider account: email (case-insensitive, unique) and an Argon2 hash."""

    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    email: Mapped[str] = mapped_column(CITEXT, unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when a link mailed to the address is followed (verification, change, reset).
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserSession(db.Model):
    """A signed-in browser; valid only while neither revoked nor expired."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    identity_id: Mapped[str] = mapped_column(Text, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    user_agent: Mapped[str | None] = mapped_column(Text)


class DeletedIdentity(db.Model):
    """An identity an admin deleted; ``ensure_profile`` never recreates its profile."""

    __tablename__ = "deleted_identities"

    identity_id: Mapped[str] = mapped_column(Text, primary_key=True)
    deleted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


class LegacyUser(db.Model):
    """The reference schema's legacy ``users`` table, kept for compatibility and unused."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(Text, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
