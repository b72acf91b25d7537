"""Reports: a builder tells moderators about something they can see (docs/rules.md
"Reports").

``target_id`` is a plain id (no foreign key): a report outlives what it is about, and
the queue says "This content no longer exists". One open report per (reporter, target)
holds in the database (the partial unique index), whatever the concurrency.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Identity, DateTime, ForeignKey, Index, Text, Uuid, func, text
from sqlalchemy.orm import Mapped, mapped_column

from buildstory.db import db
from buildstory.enums import (ReportReason, ReportStatus, ReportTargetKind, report_reason_type,
                              report_status_type, report_target_kind_type)

DETAILS_MAX = 500


class Report(db.Model):
    """One builder's report of one target."""

    __tablename__ = "reports"
    __table_args__ = (
        CheckConstraint(f"char_length(details) <= {DETAILS_MAX}", name="details_length"),
        # One open report per reporter and target: the final word under any race.
        Index("uq_reports_one_open", "reporter_id", "target_kind", "target_id", unique=True,
              postgresql_where=text("status = 'open'")),
        Index("ix_reports_status_created_at", "status", "created_at"),
        Index("ix_reports_target", "target_kind", "target_id"),
        Index("ix_reports_reporter_id_created_at", "reporter_id", "created_at"),
    )

    # A number, not a uuid: the queue carries two buttons per report, and short ids
    # keep its page light.
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    reporter_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("profiles.id", ondelete="CASCADE"))
    target_kind: Mapped[ReportTargetKind] = mapped_column(report_target_kind_type)
    target_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    reason: Mapped[ReportReason] = mapped_column(report_reason_type)
    details: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ReportStatus] = mapped_column(report_status_type, default=ReportStatus.open,
                                                 server_default=ReportStatus.open.value)
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
