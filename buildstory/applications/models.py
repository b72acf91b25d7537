"""Public mentor applications and sponsorship inquiries (docs/rules.md "Data" and "Applications, streams and draws")."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Text, Uuid, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from buildstory.db import db
from buildstory.enums import (MentorStatus, SponsorshipStatus,
                              mentor_application_status_type,
                              sponsorship_inquiry_status_type)

MENTOR_TYPES = ("design", "technical", "growth")
_MENTOR_TYPES_SQL = ", ".join(f"'{t}'" for t in MENTOR_TYPES)


class MentorApplication(db.Model):
    """Someone offering to mentor builders; one application per (lower-case) email."""

    __tablename__ = "mentor_applications"
    __table_args__ = (
        # Emails are stored lower-case so the unique constraint is case-insensitive.
        CheckConstraint("email = lower(email)", name="email_lower"),
        # At least one type, and only known ones.
        CheckConstraint("cardinality(mentor_types) > 0"
                        f" AND mentor_types <@ ARRAY[{_MENTOR_TYPES_SQL}]::text[]",
                        name="mentor_types_valid"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    name: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(Text, unique=True)
    discord_handle: Mapped[str] = mapped_column(Text)
    twitter_handle: Mapped[str | None] = mapped_column(Text)
    website_url: Mapped[str | None] = mapped_column(Text)
    github_handle: Mapped[str | None] = mapped_column(Text)
    mentor_types: Mapped[list[str]] = mapped_column(ARRAY(Text))
    background: Mapped[str] = mapped_column(Text)
    availability: Mapped[str] = mapped_column(Text)
    status: Mapped[MentorStatus] = mapped_column(mentor_application_status_type,
                                                 default=MentorStatus.pending,
                                                 server_default=MentorStatus.pending.value)
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("profiles.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The mentor claim link of an approval without a verified account match: only its
    # SHA-256 is stored (the link lives in the email), single-use, until claim_expires_at.
    claim_token_hash: Mapped[str | None] = mapped_column(Text, unique=True)
    claim_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_profile_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("profiles.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now(),
                                                 onupdate=func.now())


class SponsorshipInquiry(db.Model):
    """A company's offer to sponsor; one inquiry per (lower-case) email."""

    __tablename__ = "sponsorship_inquiries"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lower"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    company_name: Mapped[str] = mapped_column(Text)
    contact_name: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(Text, unique=True)
    website_url: Mapped[str | None] = mapped_column(Text)
    offer_description: Mapped[str] = mapped_column(Text)
    additional_notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[SponsorshipStatus] = mapped_column(
        sponsorship_inquiry_status_type, default=SponsorshipStatus.pending,
        server_default=SponsorshipStatus.pending.value)
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("profiles.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now(),
                                                 onupdate=func.now())
