"""Prize draws: each draw stores what it takes to recompute its winners."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Text, Uuid, false, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from buildstory.db import db


class PrizeDraw(db.Model):
    """A verifiable prize draw: the seed, algorithm and eligible list reproduce the winners.

    ``eligible`` is the ordered list drawn from and ``winners`` the first
    ``winner_count`` of its shuffle; both are stored so `flask draws verify` can recompute.
    """

    __tablename__ = "prize_draws"
    __table_args__ = (
        CheckConstraint("winner_count >= 1", name="winner_count_positive"),
        CheckConstraint("winner_count <= total_eligible", name="winner_count_within_eligible"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("events.id", ondelete="RESTRICT"), index=True)
    seed: Mapped[str] = mapped_column(Text)
    algorithm: Mapped[str] = mapped_column(Text)
    eligible: Mapped[list[Any]] = mapped_column(JSONB)
    excluded_previous_winners: Mapped[bool] = mapped_column(default=False,
                                                            server_default=false())
    winners: Mapped[list[Any]] = mapped_column(JSONB)
    winner_count: Mapped[int]
    total_eligible: Mapped[int]
    drawn_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("profiles.id", ondelete="SET NULL"))
    drawn_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                               server_default=func.now())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
