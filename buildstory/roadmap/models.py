"""The roadmap: categories, ideas, their upvotes and comments, and the precomputed
leaderboard (docs/rules.md "Roadmap").

Counters are stored (the board and the list order by them) and can never go below zero,
so a slip is an error rather than a wrong number. ``slug`` is unique and never changes.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (CheckConstraint, DateTime, ForeignKey, Index, Integer, PrimaryKeyConstraint,
                        Text, Uuid, func, text)
from sqlalchemy.orm import Mapped, mapped_column

from buildstory.db import db
from buildstory.enums import FeatureBoardStatus, feature_board_status_type

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
NOTES_MAX = 5000
COMMENT_MAX = 5000
CATEGORY_NAME_MAX = 50
SLUG_MAX = 80
# The eight category colours (each a fill with white text at AA contrast, in app.css).
COLOURS = ("blue", "green", "purple", "orange", "red", "teal", "pink", "slate")
PERIODS = ("all", "month")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class FeatureBoardCategory(db.Model):
    """A category admins manage at /admin/roadmap; deleting one un-links its ideas."""

    __tablename__ = "feature_board_categories"
    __table_args__ = (
        CheckConstraint(f"char_length(name) BETWEEN 1 AND {CATEGORY_NAME_MAX}",
                        name="name_length"),
        CheckConstraint(_in("colour", COLOURS), name="colour_known"),
        Index("uq_feature_board_categories_name_lower", text("lower(name)"), unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    name: Mapped[str] = mapped_column(Text)
    colour: Mapped[str] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


class FeatureBoardItem(db.Model):
    """One idea on the roadmap."""

    __tablename__ = "feature_board_items"
    __table_args__ = (
        CheckConstraint(f"char_length(title) BETWEEN 1 AND {TITLE_MAX}", name="title_length"),
        CheckConstraint(f"char_length(description) <= {DESCRIPTION_MAX}",
                        name="description_length"),
        CheckConstraint(f"char_length(internal_notes) <= {NOTES_MAX}", name="notes_length"),
        CheckConstraint(f"char_length(slug) BETWEEN 1 AND {SLUG_MAX}", name="slug_length"),
        CheckConstraint("upvote_count >= 0 AND comment_count >= 0", name="counts_not_negative"),
        Index("uq_feature_board_items_slug", "slug", unique=True),
        # The board's columns and the list's sorts.
        Index("ix_feature_board_items_status_top", "status", text("upvote_count DESC"), "id"),
        Index("ix_feature_board_items_status_new", "status", text("created_at DESC"), "id"),
        # The board's Shipped column: latest shipped first.
        Index("ix_feature_board_items_shipped", text("shipped_at DESC"), "id",
              postgresql_where=text("status = 'shipped'")),
        Index("ix_feature_board_items_title_trgm", text("lower(title) gin_trgm_ops"),
              postgresql_using="gin"),
        Index("ix_feature_board_items_title_prefix", text("lower(title) text_pattern_ops")),
        Index("ix_feature_board_items_author_id", "author_id"),
        Index("ix_feature_board_items_category_id", "category_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    title: Mapped[str] = mapped_column(Text)
    slug: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[FeatureBoardStatus] = mapped_column(
        feature_board_status_type, default=FeatureBoardStatus.inbox,
        server_default=FeatureBoardStatus.inbox.value)
    category_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("feature_board_categories.id", ondelete="SET NULL"))
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    upvote_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    comment_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    internal_notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    shipped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now(),
                                                 onupdate=func.now())


class FeatureBoardUpvote(db.Model):
    """One builder's upvote of one idea."""

    __tablename__ = "feature_board_upvotes"
    __table_args__ = (
        PrimaryKeyConstraint("item_id", "profile_id"),
        # Deleting a builder, and the leaderboard's upvotes given, go by profile.
        Index("ix_feature_board_upvotes_profile_id", "profile_id"),
    )

    item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("feature_board_items.id", ondelete="CASCADE"))
    profile_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


class FeatureBoardComment(db.Model):
    """A comment on an idea, or a reply to a top-level comment (one level only)."""

    __tablename__ = "feature_board_comments"
    __table_args__ = (
        CheckConstraint(f"char_length(body) BETWEEN 1 AND {COMMENT_MAX}", name="body_length"),
        Index("ix_feature_board_comments_item_id_created_at_id", "item_id", "created_at", "id"),
        Index("ix_feature_board_comments_author_id_created_at", "author_id", "created_at"),
        Index("ix_feature_board_comments_parent_comment_id", "parent_comment_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("feature_board_items.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    parent_comment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("feature_board_comments.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now(),
                                                 onupdate=func.now())


class RoadmapLeaderboard(db.Model):
    """The precomputed top 50 contributors per period (``all``, ``month``), replaced
    whole by the periodic job; ``computed_at`` says when."""

    __tablename__ = "roadmap_leaderboard"
    __table_args__ = (
        PrimaryKeyConstraint("period", "rank"),
        CheckConstraint(_in("period", PERIODS), name="period_known"),
        CheckConstraint("rank BETWEEN 1 AND 50", name="rank_range"),
    )

    period: Mapped[str] = mapped_column(Text)
    rank: Mapped[int] = mapped_column(Integer)
    profile_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    score: Mapped[int] = mapped_column(Integer)
    ideas: Mapped[int] = mapped_column(Integer)
    shipped: Mapped[int] = mapped_column(Integer)
    comments: Mapped[int] = mapped_column(Integer)
    upvotes: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
