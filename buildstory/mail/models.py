"""Email tables: the outbox (one row per message) and the per-type email preferences."""
from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, DateTime, Enum, ForeignKey,
                        Identity, Index, Integer, Text, Uuid, func, text)
from sqlalchemy.orm import Mapped, mapped_column

from buildstory.db import db


class EmailStatus(enum.StrEnum):
    queued = "queued"
    sent = "sent"
    failed = "failed"
    suppressed = "suppressed"


email_status_type = Enum(EmailStatus, name="email_status",
                         values_callable=lambda e: [m.value for m in e])


class EmailOutbox(db.Model):
    """One email: queued in the transaction that wanted it, sent by the ``mail.send`` job.

    ``recipient_id`` is null for mail to a bare address (a password reset, a new address
    being confirmed is still tied to its profile). ``notification_id`` names the
    notification an email is about (no foreign key here: that table comes with the
    notifications feature). Bodies are kept in development only.
    """

    __tablename__ = "email_outbox"
    __table_args__ = (
        CheckConstraint("char_length(subject) <= 300", name="subject_length"),
        Index("ix_email_outbox_status_id", "status", "id"),
        Index("ix_email_outbox_recipient_id", "recipient_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    recipient_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("profiles.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(Text)
    notification_id: Mapped[int | None] = mapped_column(BigInteger)
    dedupe_key: Mapped[str] = mapped_column(Text, unique=True)
    status: Mapped[EmailStatus] = mapped_column(email_status_type, default=EmailStatus.queued,
                                                server_default=EmailStatus.queued.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    to_address: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NotificationPreference(db.Model):
    """A builder's email choice for one notification type; no row means the default."""

    __tablename__ = "notification_preferences"

    profile_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True)
    type: Mapped[str] = mapped_column(Text, primary_key=True)
    email: Mapped[bool] = mapped_column(Boolean)
