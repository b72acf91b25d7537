"""Team invites and project members (docs/rules.md "Data" and "Teams")."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (CheckConstraint, DateTime, ForeignKey, Index, Text, UniqueConstraint,
                        Uuid, func, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from buildstory.db import db
from buildstory.enums import (InviteStatus, InviteType, JoinRequestStatus,
                              OwnershipRequestStatus, invite_status_type, invite_type_type,
                              join_request_status_type, ownership_request_status_type)

if TYPE_CHECKING:
    from buildstory.profiles.models import Profile
    from buildstory.projects.models import Project


class TeamInvite(db.Model):
    """An invitation to join a project's team.

    A direct invite names its recipient and has no token; a link invite stores only
    the SHA-256 of its token and always expires. The recipient of a link invite is
    null until someone claims it. "Expired" is derived from ``expires_at``.
    """

    __tablename__ = "team_invites"
    __table_args__ = (
        CheckConstraint(
            "(type = 'direct' AND recipient_id IS NOT NULL AND token IS NULL)"
            " OR (type = 'link' AND token IS NOT NULL AND expires_at IS NOT NULL)",
            name="type_fields"),
        Index("ix_team_invites_recipient_id_type_status", "recipient_id", "type", "status"),
        Index("ix_team_invites_sender_id_status", "sender_id", "status"),
        Index("ix_team_invites_project_id_status", "project_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    sender_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    recipient_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"))
    type: Mapped[InviteType] = mapped_column(invite_type_type)
    status: Mapped[InviteStatus] = mapped_column(invite_status_type, default=InviteStatus.pending,
                                                 server_default=InviteStatus.pending.value)
    token: Mapped[str | None] = mapped_column(Text, unique=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())

    project: Mapped[Project] = relationship()
    sender: Mapped[Profile] = relationship(foreign_keys=[sender_id])
    recipient: Mapped[Profile | None] = relationship(foreign_keys=[recipient_id])

    def is_expired(self, now: datetime) -> bool:
        """Return True for a pending invite whose link has passed its expiry."""
        return (self.status == InviteStatus.pending and self.expires_at is not None
                and self.expires_at <= now)


class ProjectMember(db.Model):
    """A builder on a project's team; the owner is ``projects.profile_id``, not a member row."""

    __tablename__ = "project_members"
    __table_args__ = (UniqueConstraint("project_id", "profile_id"),
                      # the admin dashboard's recent activity (latest team joins)
                      Index("ix_project_members_joined_at", "joined_at"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    profile_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), index=True)
    invite_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("team_invites.id", ondelete="SET NULL"))
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                server_default=func.now())

    project: Mapped[Project] = relationship(back_populates="members")
    profile: Mapped[Profile] = relationship()


class JoinRequest(db.Model):
    """A builder asking to join a project's team (docs/rules.md "Skills and matching").

    At most one pending request per (project, requester), held by a partial unique index.
    "Expired" is derived from ``expires_at``; ``responded_at`` is when it stopped being
    pending (accepted, declined, withdrawn).
    """

    __tablename__ = "join_requests"
    __table_args__ = (
        CheckConstraint("char_length(message) <= 500", name="message_length"),
        Index("ix_join_requests_one_pending", "project_id", "requester_id", unique=True,
              postgresql_where=text("status = 'pending'")),
        Index("ix_join_requests_requester_id_status", "requester_id", "status"),
        Index("ix_join_requests_project_id_status", "project_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    requester_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    role: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str | None] = mapped_column(Text)
    status: Mapped[JoinRequestStatus] = mapped_column(
        join_request_status_type, default=JoinRequestStatus.pending,
        server_default=JoinRequestStatus.pending.value)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    responded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())

    project: Mapped[Project] = relationship()
    requester: Mapped[Profile] = relationship()

    def is_expired(self, now: datetime) -> bool:
        return self.status == JoinRequestStatus.pending and self.expires_at <= now


class OwnershipRequest(db.Model):
    """A member's request to take over a project whose owner has gone quiet during a live
    event (docs/rules.md "Ownership"). It passes at ``decide_by`` unless the owner keeps
    ownership; at most one is pending per project (a partial unique index)."""

    __tablename__ = "ownership_requests"
    __table_args__ = (
        Index("uq_ownership_requests_pending_project", "project_id", unique=True,
              postgresql_where=text("status = 'pending'")),
        # the every-minute job reads the due ones through this index only
        Index("ix_ownership_requests_pending_decide_by", "decide_by",
              postgresql_where=text("status = 'pending'")),
        Index("ix_ownership_requests_requester_id", "requester_id"),
        Index("ix_ownership_requests_owner_id", "owner_id"),
        Index("ix_ownership_requests_event_id", "event_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    requester_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    # the owner when asked: a request made of someone else no longer applies
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    status: Mapped[OwnershipRequestStatus] = mapped_column(
        ownership_request_status_type, default=OwnershipRequestStatus.pending,
        server_default=OwnershipRequestStatus.pending.value)
    decide_by: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())

    requester: Mapped[Profile] = relationship(foreign_keys=[requester_id])
    owner: Mapped[Profile] = relationship(foreign_keys=[owner_id])
