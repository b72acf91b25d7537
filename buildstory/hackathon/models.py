"""Submissions, reviews, judging and results of an event (docs/rules.md "Hackathon").

Counters on ``event_submissions`` (``review_count``, ``judge_score_count``,
``highlight_count``) are kept exact by the services that change what they count, in the
same transaction; they order the hand-out queues and the showcase.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (Boolean, CheckConstraint, DateTime, Double, FetchedValue, ForeignKey,
                        ForeignKeyConstraint, Index, Integer, LargeBinary, Numeric,
                        PrimaryKeyConstraint, SmallInteger, Text, UniqueConstraint, Uuid, func,
                        text)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from buildstory.db import db
from buildstory.enums import (HighlightCategory, QueueKind, ResultKind, highlight_category_type,
                              queue_kind_type, result_kind_type)

CRITERIA = tuple(HighlightCategory)  # the five judging criteria, in display order


class EventSubmission(db.Model):
    """What a project submitted to an event: one row per (event, project), always backed by
    the project's entry in the event (deleting the entry deletes the submission)."""

    __tablename__ = "event_submissions"
    __table_args__ = (
        UniqueConstraint("event_id", "project_id"),
        ForeignKeyConstraint(["event_id", "project_id"],
                             ["event_projects.event_id", "event_projects.project_id"],
                             ondelete="CASCADE", name="event_submissions_entry_fkey"),
        CheckConstraint("char_length(what_built) BETWEEN 1 AND 280", name="what_built_length"),
        CheckConstraint("lesson_learned IS NULL OR char_length(lesson_learned) <= 280",
                        name="lesson_learned_length"),
        CheckConstraint("review_count >= 0 AND judge_score_count >= 0 AND highlight_count >= 0",
                        name="counters_not_negative"),
        CheckConstraint("visible_review_count >= 0", name="visible_review_count_not_negative"),
        # the hand-out queues: fewest reviews (scores) first, then the random key
        Index("ix_event_submissions_review_queue", "event_id", "review_count", "queue_key"),
        Index("ix_event_submissions_judge_queue", "event_id", "judge_score_count", "queue_key"),
        # the showcase's two keyset orders
        Index("ix_event_submissions_newest", "event_id", text("submitted_at DESC"),
              text("id DESC")),
        Index("ix_event_submissions_highlighted", "event_id", text("highlight_count DESC"),
              text("submitted_at DESC"), text("id DESC")),
        Index("ix_event_submissions_search_trgm", "search_text", postgresql_using="gin",
              postgresql_ops={"search_text": "gin_trgm_ops"}),
        Index("ix_event_submissions_project_id", "project_id"),
        # the progress count: an event's visible submissions, index-only
        Index("ix_event_submissions_visible", "event_id", "judge_score_count", "project_id",
              postgresql_where=text("visible")),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="RESTRICT"))
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    # the last builder who saved it
    submitted_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("profiles.id", ondelete="SET NULL"))
    what_built: Mapped[str] = mapped_column(Text)
    demo_url: Mapped[str | None] = mapped_column(Text)
    repo_url: Mapped[str | None] = mapped_column(Text)
    video_url: Mapped[str | None] = mapped_column(Text)
    lesson_learned: Mapped[str | None] = mapped_column(Text)
    # lower-cased, accent-free project name + what was built; rewritten when either changes
    search_text: Mapped[str] = mapped_column(Text)
    review_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    judge_score_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    highlight_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    queue_key: Mapped[float] = mapped_column(Double, server_default=func.random())
    # True exactly when the project is visible (not hidden, owner neither hidden nor
    # banned): set by database triggers on insert and whenever the project or its owner
    # changes (migration 0015b), never by the application
    visible: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # what the showcase card shows, recounted with highlight_count (hackathon/counters.py):
    # the visible reviews, and their highlights per category {"creativity": 3, …}
    visible_review_count: Mapped[int] = mapped_column(Integer, default=0,
                                                      server_default=text("0"))
    highlight_counts: Mapped[dict] = mapped_column(JSONB, default=dict,
                                                   server_default=text("'{}'::jsonb"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                   server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


class SubmissionImage(db.Model):
    """The demo image, re-encoded as WebP, with its thumbnail."""

    __tablename__ = "submission_images"
    __table_args__ = (
        # the bytes inline (rows from before media storage) or objects' keys, never both
        CheckConstraint("(image IS NULL) <> (storage_key IS NULL) AND "
                        "(thumb IS NULL) <> (thumb_storage_key IS NULL)", name="one_place"),
    )

    submission_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("event_submissions.id", ondelete="CASCADE"), primary_key=True)
    image: Mapped[bytes | None] = mapped_column(LargeBinary)  # older rows only
    thumb: Mapped[bytes | None] = mapped_column(LargeBinary)  # older rows only
    storage_key: Mapped[str | None] = mapped_column(Text)  # buildstory/storage/
    thumb_storage_key: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int | None] = mapped_column(Integer)  # of the image
    hash: Mapped[str] = mapped_column(Text)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


class SubmissionCard(db.Model):
    """The rendered share card (PNG) of a submission's current version."""

    __tablename__ = "submission_cards"
    __table_args__ = (
        CheckConstraint("(png IS NULL) <> (storage_key IS NULL)", name="one_place"),
    )

    submission_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("event_submissions.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[str] = mapped_column(Text)
    png: Mapped[bytes | None] = mapped_column(LargeBinary)  # older rows only
    storage_key: Mapped[str | None] = mapped_column(Text)  # buildstory/storage/
    size: Mapped[int | None] = mapped_column(Integer)
    rendered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())


class EventSubmissionTool(db.Model):
    """A tool a submission says it used."""

    __tablename__ = "event_submission_tools"
    __table_args__ = (Index("ix_event_submission_tools_tool_id", "tool_id", "submission_id"),
                      # the tools used in an event (the showcase's filter), index-only
                      Index("ix_event_submission_tools_event_id", "event_id", "tool_id"))

    submission_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("event_submissions.id", ondelete="CASCADE"), primary_key=True)
    tool_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ai_tools.id", ondelete="RESTRICT"),
                                               primary_key=True)
    # the submission's event, copied by a trigger on insert (migration 0015b)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, server_default=FetchedValue())


class HackathonReview(db.Model):
    """A peer review: one per (reviewer, event, project)."""

    __tablename__ = "hackathon_reviews"
    __table_args__ = (
        ForeignKeyConstraint(["event_id", "project_id"],
                             ["event_submissions.event_id", "event_submissions.project_id"],
                             ondelete="CASCADE", name="hackathon_reviews_submission_fkey"),
        UniqueConstraint("reviewer_profile_id", "event_id", "project_id"),
        CheckConstraint("char_length(feedback) BETWEEN 1 AND 512", name="feedback_length"),
        Index("ix_hackathon_reviews_event_id_project_id", "event_id", "project_id"),
        # the moderators' list of an event's reviews, newest first
        Index("ix_hackathon_reviews_event_id_created_at", "event_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    project_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    reviewer_profile_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"))
    feedback: Mapped[str] = mapped_column(Text)
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


class HackathonReviewHighlight(db.Model):
    """One highlight of a review, at most one per category."""

    __tablename__ = "hackathon_review_highlights"
    __table_args__ = (
        UniqueConstraint("review_id", "category"),
        CheckConstraint("char_length(text) BETWEEN 1 AND 256", name="text_length"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    review_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("hackathon_reviews.id", ondelete="CASCADE"))
    category: Mapped[HighlightCategory] = mapped_column(highlight_category_type)
    text: Mapped[str] = mapped_column(Text)


class EventJudge(db.Model):
    """A judge assigned to an event by an admin."""

    __tablename__ = "event_judges"
    __table_args__ = (PrimaryKeyConstraint("event_id", "profile_id"),
                      Index("ix_event_judges_profile_id", "profile_id"))

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    profile_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    added_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("profiles.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


class JudgeScore(db.Model):
    """One judge's 1–5 scores on the five criteria for one submission."""

    __tablename__ = "judge_scores"
    __table_args__ = (
        ForeignKeyConstraint(["event_id", "project_id"],
                             ["event_submissions.event_id", "event_submissions.project_id"],
                             ondelete="CASCADE", name="judge_scores_submission_fkey"),
        ForeignKeyConstraint(["event_id", "judge_profile_id"],
                             ["event_judges.event_id", "event_judges.profile_id"],
                             ondelete="CASCADE", name="judge_scores_judge_fkey"),
        UniqueConstraint("judge_profile_id", "event_id", "project_id"),
        CheckConstraint("creativity BETWEEN 1 AND 5 AND business_case BETWEEN 1 AND 5 "
                        "AND technical_challenge BETWEEN 1 AND 5 AND impact BETWEEN 1 AND 5 "
                        "AND design BETWEEN 1 AND 5", name="scores_range"),
        CheckConstraint("comment IS NULL OR char_length(comment) <= 1000", name="comment_length"),
        Index("ix_judge_scores_event_id_project_id", "event_id", "project_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    project_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    judge_profile_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    creativity: Mapped[int] = mapped_column(SmallInteger)
    business_case: Mapped[int] = mapped_column(SmallInteger)
    technical_challenge: Mapped[int] = mapped_column(SmallInteger)
    impact: Mapped[int] = mapped_column(SmallInteger)
    design: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


class ConflictOfInterest(db.Model):
    """A declared conflict: the builder never reviews or judges the project, in any event."""

    __tablename__ = "conflicts_of_interest"
    __table_args__ = (PrimaryKeyConstraint("profile_id", "project_id"),
                      Index("ix_conflicts_of_interest_project_id", "project_id"))

    profile_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


class QueueAssignment(db.Model):
    """The one submission a reviewer (or judge) holds in an event."""

    __tablename__ = "queue_assignments"
    __table_args__ = (PrimaryKeyConstraint("queue", "profile_id", "event_id"),
                      Index("ix_queue_assignments_project_id", "project_id"),
                      Index("ix_queue_assignments_event_id", "event_id"))

    queue: Mapped[QueueKind] = mapped_column(queue_kind_type)
    profile_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())


class QueueSkip(db.Model):
    """A submission a reviewer (or judge) skipped; it comes back only when they ask."""

    __tablename__ = "queue_skips"
    __table_args__ = (PrimaryKeyConstraint("queue", "profile_id", "event_id", "project_id"),
                      Index("ix_queue_skips_project_id", "project_id"),
                      Index("ix_queue_skips_event_id", "event_id"))

    queue: Mapped[QueueKind] = mapped_column(queue_kind_type)
    profile_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    skipped_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


class EventResult(db.Model):
    """One row of a published results version. Rows are immutable: a trigger refuses
    UPDATE and DELETE; a correction publishes version n + 1."""

    __tablename__ = "event_results"
    __table_args__ = (
        UniqueConstraint("event_id", "version", "kind", "category", "place",
                         postgresql_nulls_not_distinct=True,
                         name="event_results_event_id_version_kind_category_place_key"),
        CheckConstraint("(kind = 'overall') = (category IS NULL)", name="category_per_kind"),
        CheckConstraint("version >= 1 AND place >= 1", name="version_place_positive"),
        Index("ix_event_results_project_id", "project_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="RESTRICT"))
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[ResultKind] = mapped_column(result_kind_type)
    category: Mapped[HighlightCategory | None] = mapped_column(highlight_category_type)
    place: Mapped[int] = mapped_column(Integer)
    project_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    project_name: Mapped[str] = mapped_column(Text)
    project_slug: Mapped[str] = mapped_column(Text)
    score: Mapped[Decimal] = mapped_column(Numeric(8, 3))
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    published_by_name: Mapped[str] = mapped_column(Text)
