"""Profiles and their avatars (docs/rules.md "Data" and "Profiles")."""
from __future__ import annotations

import unicodedata
import uuid
from datetime import datetime

from sqlalchemy import (ARRAY, CHAR, CheckConstraint, DateTime, ForeignKey, Index, Integer, LargeBinary,
                        SmallInteger, text, Text, Uuid, false, func, true)
from sqlalchemy.dialects.postgresql import BIT
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from buildstory.db import db
from buildstory.enums import (ExperienceLevel, UserRole, experience_level_type,
                              user_role_type)

# The database's copy of the username rule; the profiles service checks it first so
# the user sees a message, and this check is the last word.
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{1,28}[a-z0-9]$"


class ModerationState:
    """``is_hidden`` / ``is_banned`` from ``hidden_at`` / ``banned_at``: for the profile
    and for the lighter rows lists load of it (``queries.MemberCard``)."""

    __slots__ = ()

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_banned(self) -> bool:
        return self.banned_at is not None


class Profile(ModerationState, db.Model):
    """A builder's public profile, keyed by the identity that signs in as it.

    A profile is active, hidden (``hidden_at`` set) or banned (``banned_at`` set).
    ``username`` is null only until onboarding in Clerk mode. ``search_text`` is the
    normalised "username display_name" the member directory searches with trigrams.
    """

    __tablename__ = "profiles"
    __table_args__ = (
        CheckConstraint(f"username ~ '{USERNAME_PATTERN}'", name="username_format"),
        CheckConstraint("country ~ '^[A-Z]{2}$'", name="country_format"),
        CheckConstraint("char_length(display_name) BETWEEN 1 AND 100",
                        name="display_name_length"),
        CheckConstraint("char_length(bio) <= 500", name="bio_length"),
        CheckConstraint("char_length(ban_reason) <= 1000", name="ban_reason_length"),
        # Trigram search for queries of 3+ characters, prefix search for shorter ones.
        Index("ix_profiles_search_text_trgm", "search_text", postgresql_using="gin",
              postgresql_ops={"search_text": "gin_trgm_ops"}),
        Index("ix_profiles_username_prefix", "username",
              postgresql_ops={"username": "text_pattern_ops"}),
        # The admin user list's role filter and its status tabs' counts (index-only).
        Index("ix_profiles_role_hidden_at_banned_at", "role", "hidden_at", "banned_at"),
        # The admin user list's Hidden and Banned tabs: the few hidden or banned builders,
        # newest first (migration 0021_scale_indexes).
        Index("ix_profiles_hidden", text("created_at DESC"), text("id DESC"),
              postgresql_where=text("hidden_at IS NOT NULL")),
        Index("ix_profiles_banned", text("created_at DESC"), text("id DESC"),
              postgresql_where=text("banned_at IS NOT NULL")),
        # The event page's counts join its registrants to the visible builders and their
        # country from this index alone (migration 0021_scale_indexes).
        Index("ix_profiles_visible_country", "id", postgresql_include=["country"],
              postgresql_where=text("hidden_at IS NULL AND banned_at IS NULL")),
        # The directory's Country filter counts its builders per country (index-only).
        Index("ix_profiles_country_directory", "country", postgresql_where=text(
            "hidden_at IS NULL AND banned_at IS NULL AND username IS NOT NULL "
            "AND country IS NOT NULL")),
        # Skills and roles (docs/rules.md "Skills and matching"): the bits mirror the arrays.
        CheckConstraint("cardinality(skills) <= 10 AND bit_count(skill_bits) = cardinality(skills)",
                        name="skills_bits"),
        CheckConstraint("cardinality(roles) <= 3 AND bit_count(role_bits) = cardinality(roles)",
                        name="roles_bits"),
        CheckConstraint("cardinality(other_skills) <= 3", name="other_skills_count"),
        CheckConstraint("(timezone IS NULL) = (utc_offset_minutes IS NULL)",
                        name="timezone_offset"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    clerk_id: Mapped[str] = mapped_column(Text, unique=True)
    username: Mapped[str | None] = mapped_column(Text, unique=True)
    display_name: Mapped[str] = mapped_column(Text)
    # Content hash of the stored avatar, so pages build its URL without a join.
    avatar_hash: Mapped[str | None] = mapped_column(Text)
    # Clerk mode: the https image URL of the builder's Clerk account (shown without an upload).
    clerk_image_url: Mapped[str | None] = mapped_column(Text)
    bio: Mapped[str | None] = mapped_column(Text)
    website_url: Mapped[str | None] = mapped_column(Text)
    twitch_url: Mapped[str | None] = mapped_column(Text)
    stream_url: Mapped[str | None] = mapped_column(Text)
    twitter_handle: Mapped[str | None] = mapped_column(Text)
    github_handle: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(CHAR(2))
    region: Mapped[str | None] = mapped_column(Text)
    experience_level: Mapped[ExperienceLevel | None] = mapped_column(experience_level_type)
    role: Mapped[UserRole] = mapped_column(user_role_type, default=UserRole.user,
                                           server_default=UserRole.user.value)
    allow_invites: Mapped[bool] = mapped_column(default=True, server_default=true())
    discord_card_dismissed: Mapped[bool] = mapped_column(default=False,
                                                         server_default=false())
    # banned_by / hidden_by are plain ids: the history survives deleting the moderator.
    banned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    banned_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    ban_reason: Mapped[str | None] = mapped_column(Text)
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    skills: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list,
                                              server_default=text("'{}'"))
    other_skills: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list,
                                                    server_default=text("'{}'"))
    roles: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list,
                                             server_default=text("'{}'"))
    skill_bits: Mapped[str] = mapped_column(BIT(64), default="0" * 64,
                                            server_default=text(f"B'{'0' * 64}'"))
    role_bits: Mapped[str] = mapped_column(BIT(16), default="0" * 16,
                                           server_default=text(f"B'{'0' * 16}'"))
    timezone: Mapped[str | None] = mapped_column(Text)
    utc_offset_minutes: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True,
                                                 server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now(),
                                                 onupdate=func.now())

    @staticmethod
    def compute_search_text(username: str | None, display_name: str | None) -> str:
        """Return "username display_name" lower-cased with accents stripped."""
        raw = f"{username or ''} {display_name or ''}".strip()
        decomposed = unicodedata.normalize("NFKD", raw)
        return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()

    @validates("username", "display_name")
    def _refresh_search_text(self, key, value):
        # Keeps search_text in step with whichever name was just assigned, so no
        # writer can forget it (bulk UPDATE statements must still set it themselves).
        username = value if key == "username" else self.username
        display_name = value if key == "display_name" else self.display_name
        self.search_text = self.compute_search_text(username, display_name)
        return value

    def __repr__(self) -> str:
        return f"<Profile {self.username or self.clerk_id}>"


class Avatar(db.Model):
    """A profile's uploaded avatar: a 256×256 WebP object (buildstory/storage/) and its
    content hash."""

    __tablename__ = "avatars"
    __table_args__ = (
        # Re-encoded avatars are small; this keeps a bug from storing an original upload.
        CheckConstraint("octet_length(data) <= 65536", name="data_size"),
        CheckConstraint("size <= 65536", name="size_max"),
        # the bytes inline (rows from before media storage) or an object's key, never both
        CheckConstraint("(data IS NULL) <> (storage_key IS NULL)", name="one_place"),
    )

    profile_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True)
    hash: Mapped[str] = mapped_column(Text)
    data: Mapped[bytes | None] = mapped_column(LargeBinary)  # older rows only
    storage_key: Mapped[str | None] = mapped_column(Text)  # buildstory/storage/
    size: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(Text, default="image/webp",
                                              server_default="image/webp")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())

    profile: Mapped[Profile] = relationship()
