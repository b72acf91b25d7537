"""Notifications and the fan-outs that write them for large audiences (docs/rules.md
"Notifications").

A notification stores ids, never a link: its sentence is built when it is shown and its
link when it is opened (``registry.py``), so renamed slugs never break old notifications.
``actor_id``, ``project_id``, ``event_id`` and ``subject_id`` carry no foreign key: a
notification outlives nothing it names (clean-up deletes it with its subject), and the
actor's name is kept as it was.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (BigInteger, CheckConstraint, DateTime, ForeignKey, Identity, Index,
                        Integer, SmallInteger, Text, UniqueConstraint, Uuid, func, text)
from sqlalchemy.orm import Mapped, mapped_column

from buildstory.db import db
from buildstory.enums import NotificationType, notification_type_type

TITLE_MAX = 100
BODY_MAX = 140


class Notification(db.Model):
    """One thing one builder should hear about, unread until ``read_at`` is set.

    Ids are a bigint sequence: many rows, small indexes, and the email outbox names them."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(f"char_length(title) <= {TITLE_MAX}", name="title_length"),
        CheckConstraint(f"char_length(body) <= {BODY_MAX}", name="body_length"),
        CheckConstraint("count >= 1", name="count_positive"),
        # The list, newest first, paged by (created_at, id).
        Index("ix_notifications_recipient_id_created_at_id", "recipient_id",
              text("created_at DESC"), text("id DESC")),
        # The bell's unread count (index-only over the unread rows of one builder).
        Index("ix_notifications_unread", "recipient_id", postgresql_where=text("read_at IS NULL")),
        # Once ever per recipient (a null key never conflicts).
        UniqueConstraint("recipient_id", "dedupe_key"),
        # While unread, further events of one group update the same row.
        Index("uq_notifications_unread_group", "recipient_id", "group_key", unique=True,
              postgresql_where=text("read_at IS NULL")),
        Index("ix_notifications_subject_id", "subject_id"),
        Index("ix_notifications_project_id", "project_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    recipient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"))
    type: Mapped[NotificationType] = mapped_column(notification_type_type)
    title: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_name: Mapped[str | None] = mapped_column(Text)
    project_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    count: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    dedupe_key: Mapped[str | None] = mapped_column(Text)
    group_key: Mapped[str | None] = mapped_column(Text)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


class NotificationFanout(db.Model):
    """A notification for an unbounded audience, written in batches by a background job.

    ``audience`` names the query that lists the recipients (``fanout.AUDIENCES``) and
    ``subject_id`` its argument (the event, for registrants). The job walks recipients by
    profile id; ``cursor`` is the last profile id done, so a crashed run resumes there.
    ``dedupe_key`` makes the fan-out (and each notification it writes) happen once ever.
    A fan-out split for several workers has one row per ``part``: each walks its own range
    of profile ids, from its first ``cursor`` to ``stop`` (the range's last id; None: to
    the end); the once-ever row is part 0.
    """

    __tablename__ = "notification_fanouts"
    __table_args__ = (UniqueConstraint("dedupe_key", "part"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    type: Mapped[NotificationType] = mapped_column(notification_type_type)
    audience: Mapped[str] = mapped_column(Text)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    dedupe_key: Mapped[str] = mapped_column(Text)
    part: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    title: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_name: Mapped[str | None] = mapped_column(Text)
    project_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    cursor: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    stop: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    sent: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
