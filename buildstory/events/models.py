"""Events and registrations (docs/rules.md "Data" and "Events")."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (CHAR, CheckConstraint, DateTime, ForeignKey, Index, SmallInteger, Text,
                        UniqueConstraint, Uuid, false, func, text)
from sqlalchemy.dialects.postgresql import BIT
from sqlalchemy.orm import Mapped, mapped_column, relationship

from buildstory.db import db
from buildstory.enums import (CommitmentLevel, EventStatus, ExperienceLevel, TeamPreference,
                              commitment_level_type, event_status_type, experience_level_type,
                              team_preference_type)

if TYPE_CHECKING:
    from buildstory.profiles.models import Profile


class Event(db.Model):
    """A time-boxed build event (hackathon) and its lifecycle status.

    At most one event is featured (a partial unique index), and never a draft.
    """

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        CheckConstraint("registration_opens_at IS NULL OR registration_closes_at IS NULL "
                        "OR registration_closes_at > registration_opens_at",
                        name="registration_window"),
        CheckConstraint("slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND char_length(slug) <= 100",
                        name="slug_format"),
        # /events/new is the creation page, so "new" can never be an event's URL.
        CheckConstraint("slug <> 'new'", name="slug_not_new"),
        CheckConstraint("NOT (featured AND status = 'draft')", name="featured_not_draft"),
        CheckConstraint("review_opens_at IS NULL OR review_closes_at IS NULL "
                        "OR review_closes_at > review_opens_at", name="review_window"),
        CheckConstraint("judges_per_submission BETWEEN 1 AND 10", name="judges_per_submission_range"),
        Index("uq_events_featured", "featured", unique=True, postgresql_where=text("featured")),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    name: Mapped[str] = mapped_column(Text)
    slug: Mapped[str] = mapped_column(Text, unique=True)
    description: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    timezone: Mapped[str] = mapped_column(Text, default="UTC", server_default="UTC")
    registration_opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    registration_closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[EventStatus] = mapped_column(event_status_type, index=True,
                                                default=EventStatus.draft,
                                                server_default=EventStatus.draft.value)
    featured: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The hackathon windows (docs/rules.md "Hackathon windows"): each binds only when set.
    submissions_close_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    judges_per_submission: Mapped[int] = mapped_column(SmallInteger, default=3,
                                                       server_default=text("3"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now(),
                                                 onupdate=func.now())

    def __repr__(self) -> str:
        return f"<Event {self.slug} {self.status}>"


class EventRegistration(db.Model):
    """A builder's registration for an event; one per (event, profile).

    Deleting an event with registrations is refused (RESTRICT); deleting a profile
    removes its registrations.
    """

    __tablename__ = "event_registrations"
    __table_args__ = (UniqueConstraint("event_id", "profile_id"),
                      # the admin dashboard's recent activity (latest registrations)
                      Index("ix_event_registrations_registered_at", "registered_at"),
                      # the event page's counts read the registrants from the index alone
                      Index("ix_event_registrations_stats", "event_id", "profile_id",
                            postgresql_include=["team_preference"]),
                      # suggested teammates: candidates read from the index alone
                      Index("ix_event_registrations_match", "event_id",
                            text("registered_at DESC"), "profile_id",
                            postgresql_include=["skill_bits", "role_bits", "utc_offset_minutes",
                                                "experience_level", "country", "region",
                                                "commitment_level"],
                            postgresql_where=text("team_preference = 'looking_for_team' "
                                                  "AND match_ok")))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="RESTRICT"))
    profile_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), index=True)
    team_preference: Mapped[TeamPreference] = mapped_column(team_preference_type)
    commitment_level: Mapped[CommitmentLevel | None] = mapped_column(commitment_level_type)
    onboarding_completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                    server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now(),
                                                 onupdate=func.now())
    # Copies of the profile's matching fields, written only by the database's triggers
    # (on registration insert and profile update), so the teammates ranking never joins
    # profiles per candidate. match_ok: not hidden, not banned, accepts invites, has a
    # username.
    match_ok: Mapped[bool] = mapped_column(server_default=false())
    skill_bits: Mapped[str] = mapped_column(BIT(64), server_default=text(f"B'{'0' * 64}'"))
    role_bits: Mapped[str] = mapped_column(BIT(16), server_default=text(f"B'{'0' * 16}'"))
    utc_offset_minutes: Mapped[int | None] = mapped_column(SmallInteger)
    experience_level: Mapped[ExperienceLevel | None] = mapped_column(experience_level_type)
    country: Mapped[str | None] = mapped_column(CHAR(2))
    region: Mapped[str | None] = mapped_column(Text)

    event: Mapped[Event] = relationship()
    profile: Mapped[Profile] = relationship()
