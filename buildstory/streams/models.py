"""Followed Twitch categories: the streams page shows participants live in these."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Text, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from buildstory.db import db


class TwitchCategory(db.Model):
    """A Twitch category the streams page follows; each Twitch id once."""

    __tablename__ = "twitch_categories"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    twitch_id: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    box_art_url: Mapped[str | None] = mapped_column(Text)
    added_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("profiles.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
