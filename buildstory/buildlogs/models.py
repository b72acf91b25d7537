"""Build logs: posts on projects and about AI tools, their images, comments and reactions
(docs/rules.md "Build logs").

Real foreign keys (no polymorphic context id): deleting a project takes its posts, and
with them their images, comments and reactions. A tool is never deleted (merging moves
its posts), hence RESTRICT. ``hidden_by`` is a plain id so the history survives deleting
the moderator. The counters are stored (lists order and show them without counting) and
can never go below zero.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (BigInteger, CheckConstraint, DateTime, ForeignKey, Identity, Index,
                        Integer, LargeBinary, Text, UniqueConstraint, Uuid, func, text)
from sqlalchemy.orm import Mapped, mapped_column

from buildstory.db import db
from buildstory.enums import (PostContextType, PostSource, ReactionEmoji, post_context_type_type,
                              post_source_type, reaction_emoji_type)

BODY_MAX = 280
DESCRIPTION_MAX = 200
IMAGE_MAX_BYTES = 512 * 1024
IMAGE_MAX_SIDE = 1600

# What a public list shows: neither deleted nor hidden (the author's and the context's
# visibility are joined in by the one shared filter, ``queries.visible_posts``).
LISTED = "deleted_at IS NULL AND hidden_at IS NULL"
COUNTERS = ("fire_count", "rocket_count", "lightbulb_count", "clap_count", "wrench_count")
_NOT_NEGATIVE = " AND ".join(f"{c} >= 0" for c in COUNTERS)


def _counter() -> Mapped[int]:
    return mapped_column(Integer, default=0, server_default=text("0"))


class Post(db.Model):
    """One update on a project (by its team) or post about an AI tool (by any builder)."""

    __tablename__ = "posts"
    __table_args__ = (
        CheckConstraint(
            "(context_type = 'project' AND project_id IS NOT NULL AND tool_id IS NULL) OR "
            "(context_type = 'tool' AND tool_id IS NOT NULL AND project_id IS NULL)",
            name="one_context"),
        CheckConstraint(f"char_length(body) BETWEEN 1 AND {BODY_MAX}", name="body_length"),
        CheckConstraint("char_length(link_url) <= 2048", name="link_url_length"),
        CheckConstraint(f"{_NOT_NEGATIVE} AND comment_count >= 0", name="counts_not_negative"),
        # /feed, newest first, paged by (created_at, id).
        Index("ix_posts_feed", text("created_at DESC"), text("id DESC"),
              postgresql_where=text(LISTED)),
        # A project's, a tool's and a builder's lists.
        Index("ix_posts_project_feed", "project_id", text("created_at DESC"), text("id DESC"),
              postgresql_where=text(LISTED)),
        Index("ix_posts_tool_feed", "tool_id", text("created_at DESC"), text("id DESC"),
              postgresql_where=text(LISTED)),
        Index("ix_posts_author_feed", "author_id", text("created_at DESC"), text("id DESC"),
              postgresql_where=text(LISTED)),
        # Every post of a builder, deleted and hidden ones included: the posting limits
        # count them, and deleting the builder cascades through it.
        Index("ix_posts_author_id_created_at", "author_id", "created_at"),
        # Deleting a project (or merging a tool) reaches deleted and hidden posts too.
        Index("ix_posts_project_id", "project_id"),
        Index("ix_posts_tool_id", "tool_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    context_type: Mapped[PostContextType] = mapped_column(post_context_type_type)
    project_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"))
    tool_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ai_tools.id", ondelete="RESTRICT"))
    body: Mapped[str] = mapped_column(Text)
    link_url: Mapped[str | None] = mapped_column(Text)
    source: Mapped[PostSource] = mapped_column(post_source_type, default=PostSource.manual,
                                               server_default=PostSource.manual.value)
    fire_count: Mapped[int] = _counter()
    rocket_count: Mapped[int] = _counter()
    lightbulb_count: Mapped[int] = _counter()
    clap_count: Mapped[int] = _counter()
    wrench_count: Mapped[int] = _counter()
    comment_count: Mapped[int] = _counter()
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now(),
                                                 onupdate=func.now())

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    def __repr__(self) -> str:
        return f"<Post {self.id}>"


class PostImage(db.Model):
    """A post's image: a WebP object (re-encoded, never the upload; buildstory/storage/),
    its hash (the URL's cache key), the size and the required description (its alt text)."""

    __tablename__ = "post_images"
    __table_args__ = (
        CheckConstraint(f"octet_length(data) <= {IMAGE_MAX_BYTES}", name="data_size"),
        CheckConstraint(f"size <= {IMAGE_MAX_BYTES}", name="size_max"),
        CheckConstraint("(data IS NULL) <> (storage_key IS NULL)", name="one_place"),
        CheckConstraint(f"width BETWEEN 1 AND {IMAGE_MAX_SIDE} AND "
                        f"height BETWEEN 1 AND {IMAGE_MAX_SIDE}", name="dimensions"),
        CheckConstraint(f"char_length(description) BETWEEN 1 AND {DESCRIPTION_MAX}",
                        name="description_length"),
    )

    post_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                               primary_key=True)
    data: Mapped[bytes | None] = mapped_column(LargeBinary)  # older rows only
    storage_key: Mapped[str | None] = mapped_column(Text)  # buildstory/storage/
    size: Mapped[int | None] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(Text)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)


class PostComment(db.Model):
    """A flat comment on a post."""

    __tablename__ = "post_comments"
    __table_args__ = (
        CheckConstraint(f"char_length(body) BETWEEN 1 AND {BODY_MAX}", name="body_length"),
        CheckConstraint(_NOT_NEGATIVE, name="counts_not_negative"),
        # A post's comments, oldest first, paged by (created_at, id).
        Index("ix_post_comments_post_id_created_at_id", "post_id", "created_at", "id"),
        # Recounting what a builder commented on (hidden, banned, restored, deleted).
        Index("ix_post_comments_author_id", "author_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    post_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    fire_count: Mapped[int] = _counter()
    rocket_count: Mapped[int] = _counter()
    lightbulb_count: Mapped[int] = _counter()
    clap_count: Mapped[int] = _counter()
    wrench_count: Mapped[int] = _counter()
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now(),
                                                 onupdate=func.now())

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class Reaction(db.Model):
    """One builder's reaction with one emoji on one post or one comment (exactly one)."""

    __tablename__ = "reactions"
    __table_args__ = (
        CheckConstraint("(post_id IS NULL) <> (comment_id IS NULL)", name="one_target"),
        UniqueConstraint("profile_id", "post_id", "emoji"),
        UniqueConstraint("profile_id", "comment_id", "emoji"),
        # Deleting a post or a comment cascades through these.
        Index("ix_reactions_post_id", "post_id"),
        Index("ix_reactions_comment_id", "comment_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    profile_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    post_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    comment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("post_comments.id", ondelete="CASCADE"))
    emoji: Mapped[ReactionEmoji] = mapped_column(reaction_emoji_type)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


RATE_EVENT_KINDS = ("reaction_add", "upvote_add")


class RateEvent(db.Model):
    """One counted add (a reaction or an upvote), kept even when the add is undone, so
    the daily limits count adds, not what is left. Rows older than two days are deleted
    by the nightly clean-up."""

    __tablename__ = "rate_events"
    __table_args__ = (
        CheckConstraint("kind IN ('reaction_add', 'upvote_add')", name="kind_known"),
        Index("ix_rate_events_profile_id_kind_created_at", "profile_id", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    profile_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
