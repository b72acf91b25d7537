"""Webhook endpoints, their deliveries and the milestones already announced (docs/rules.md "Webhooks")."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, Text,
                        UniqueConstraint, Uuid, func, text)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from buildstory.db import db

FORMATS = ("discord", "json")
STATUSES = ("queued", "succeeded", "failed", "skipped")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class WebhookEndpoint(db.Model):
    """A URL that hears the events it subscribes to, as Discord messages or signed JSON."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (
        CheckConstraint("char_length(name) BETWEEN 1 AND 100", name="name_length"),
        CheckConstraint("char_length(url) <= 2000", name="url_length"),
        CheckConstraint(_in("format", FORMATS), name="format_valid"),
        CheckConstraint("cardinality(events) > 0", name="events_not_empty"),
        CheckConstraint("consecutive_failures >= 0", name="failures_not_negative"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    name: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(ARRAY(Text))
    # JSON endpoints only: the HMAC key (hex of 32 random bytes), shown once.
    secret: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0,
                                                      server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_failure_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now(), onupdate=func.now())


class WebhookDelivery(db.Model):
    """One event for one endpoint: queued until the worker sends it (with retries)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "dedupe_key"),
        CheckConstraint(_in("status", STATUSES), name="status_valid"),
        # The endpoint page's latest deliveries, newest first.
        Index("ix_webhook_deliveries_endpoint_id_created_at", "endpoint_id", "created_at"),
        # Counts by status (/admin/jobs) and the clean-up of finished ones.
        Index("ix_webhook_deliveries_status_created_at", "status", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # What the delivery announces (a project…): no longer public → skipped. No FK: the
    # subject may be deleted meanwhile, which is exactly what the check looks for.
    subject_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    dedupe_key: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, default="queued", server_default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now(), onupdate=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Milestone(db.Model):
    """A threshold already announced: (series, scope, value) once ever."""

    __tablename__ = "milestones"

    # "builders" (scope "site") or "registrations" (scope: the event's id).
    series: Mapped[str] = mapped_column(Text, primary_key=True)
    scope: Mapped[str] = mapped_column(Text, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
