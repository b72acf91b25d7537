"""Mentors and help requests (docs/rules.md "Mentor help").

A mentor is a capability, not a role: a ``mentors`` row (their mentor types) on a profile
that is not banned. A help request is a team's call for a mentor during a live event; the
partial unique index keeps one open or claimed request per project, whatever races.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (CheckConstraint, DateTime, ForeignKey, Index, SmallInteger, Text, Uuid,
                        func, text)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from buildstory.applications.models import MENTOR_TYPES
from buildstory.db import db
from buildstory.enums import (HelpKind, HelpRequestStatus, help_kind_type,
                              help_request_status_type)

_TYPES_SQL = ", ".join(f"'{t}'" for t in MENTOR_TYPES)
TOPIC_MAX, DETAILS_MAX, NOTE_MAX = 120, 1000, 500
ACTIVE = "status IN ('open', 'claimed')"


class Mentor(db.Model):
    """A builder who may take help requests of their mentor types."""

    __tablename__ = "mentors"
    __table_args__ = (
        CheckConstraint("cardinality(mentor_types) > 0"
                        f" AND mentor_types <@ ARRAY[{_TYPES_SQL}]::text[]",
                        name="mentor_types_valid"),
    )

    profile_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True)
    mentor_types: Mapped[list[str]] = mapped_column(ARRAY(Text))
    application_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("mentor_applications.id", ondelete="SET NULL"))
    # Who granted it (no FK: the log outlives the admin); null when claimed by link.
    granted_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class HelpRequest(db.Model):
    """A team's request for a mentor in an event."""

    __tablename__ = "help_requests"
    __table_args__ = (
        CheckConstraint(f"char_length(topic) BETWEEN 1 AND {TOPIC_MAX}", name="topic_length"),
        CheckConstraint(f"char_length(details) BETWEEN 1 AND {DETAILS_MAX}",
                        name="details_length"),
        CheckConstraint(f"char_length(rating_note) <= {NOTE_MAX}", name="rating_note_length"),
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5 AND status = 'resolved')",
                        name="rating_valid"),
        # One open or claimed request per project: the final word on "already has one".
        Index("uq_help_requests_project_active", "project_id", unique=True,
              postgresql_where=text(ACTIVE)),
        # The mentors' queue: open, shown requests of an event by kind, oldest first.
        Index("ix_help_requests_queue", "event_id", "kind", "created_at",
              postgresql_where=text("status = 'open' AND hidden_at IS NULL")),
        Index("ix_help_requests_event_id", "event_id"),
        Index("ix_help_requests_mentor_id_status", "mentor_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    opened_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("profiles.id", ondelete="SET NULL"))
    kind: Mapped[HelpKind] = mapped_column(help_kind_type)
    topic: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text)
    meeting_url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[HelpRequestStatus] = mapped_column(
        help_request_status_type, default=HelpRequestStatus.open,
        server_default=HelpRequestStatus.open.value)
    mentor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("profiles.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    rating_note: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now(),
                                                 onupdate=func.now())
