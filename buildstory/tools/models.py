"""AI tools builders say they used (docs/rules.md "AI tools")."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (CheckConstraint, DateTime, ForeignKey, Index, Integer, Text, Uuid, func,
                        text)
from sqlalchemy.orm import Mapped, mapped_column

from buildstory.db import db
from buildstory.enums import AiToolCategory, ai_tool_category_type


class AiTool(db.Model):
    """One tool of the catalogue.

    ``name_key`` is the folded name (unique), so "Claude Code" and "claude-code" are one
    tool; the slug is permanent. A merged tool keeps its row with ``merged_into_id`` so its
    name and slug lead to the target. ``usage_count`` counts the visible submissions using
    the tool and is kept exact by every change that moves it.
    """

    __tablename__ = "ai_tools"
    __table_args__ = (
        CheckConstraint("char_length(name) BETWEEN 1 AND 60", name="name_length"),
        CheckConstraint("description IS NULL OR char_length(description) <= 500",
                        name="description_length"),
        CheckConstraint("merged_into_id IS NULL OR merged_into_id <> id", name="not_merged_into_self"),
        # /tools: visible tools by category, most used first.
        Index("ix_ai_tools_catalogue", "category", text("usage_count DESC"), "name",
              postgresql_where=text("hidden_at IS NULL AND merged_into_id IS NULL")),
        # the per-builder hourly limit on new tools
        Index("ix_ai_tools_created_by_created_at", "created_by", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text, unique=True)
    slug: Mapped[str] = mapped_column(Text, unique=True)
    category: Mapped[AiToolCategory] = mapped_column(ai_tool_category_type,
                                                     default=AiToolCategory.other,
                                                     server_default=AiToolCategory.other.value)
    description: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("profiles.id", ondelete="SET NULL"))
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ai_tools.id", ondelete="RESTRICT"))
    usage_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now(),
                                                 onupdate=func.now())

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_listed(self) -> bool:
        """Shown in lists, pickers and cards: neither hidden nor merged."""
        return self.hidden_at is None and self.merged_into_id is None

    def __repr__(self) -> str:
        return f"<AiTool {self.slug}>"
