"""Projects, their event entries and their team history (docs/rules.md "Data" and "Projects" and "Teams")."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (ARRAY, CheckConstraint, DateTime, ForeignKey, Index, Text,
                        UniqueConstraint, Uuid, func, text)
from sqlalchemy.dialects.postgresql import BIT, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from buildstory.db import db
from buildstory.enums import (ProjectEventKind, StartingPoint, project_event_kind_type,
                              starting_point_type)

if TYPE_CHECKING:
    from buildstory.events.models import Event
    from buildstory.profiles.models import Profile


class Project(db.Model):
    """A builder's project, owned by one profile; its slug is its public URL.

    Deleting the project (or its owner) deletes its members, invites, event entries
    and history in the database (ON DELETE CASCADE).
    """

    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("slug ~ '^[a-z0-9]+([-_][a-z0-9]+)*$'", name="slug_format"),
        CheckConstraint("char_length(slug) BETWEEN 2 AND 100", name="slug_length"),
        # /projects/new is the creation page.
        CheckConstraint("slug <> 'new'", name="slug_not_new"),
        # /projects?q= (ILIKE on the name) and newest-first lists (migration 0002).
        Index("ix_projects_name_trgm", "name", postgresql_using="gin",
              postgresql_ops={"name": "gin_trgm_ops"}),
        # ... and on the description (migration 0006).
        Index("ix_projects_description_trgm", "description", postgresql_using="gin",
              postgresql_ops={"description": "gin_trgm_ops"}),
        Index("ix_projects_created_at_id", "created_at", "id"),
        CheckConstraint("cardinality(open_roles) <= 5 "
                        "AND bit_count(open_role_bits) = cardinality(open_roles)",
                        name="open_roles_bits"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    profile_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(Text)
    slug: Mapped[str] = mapped_column(Text, unique=True)
    description: Mapped[str] = mapped_column(Text)
    starting_point: Mapped[StartingPoint | None] = mapped_column(starting_point_type)
    goal_text: Mapped[str | None] = mapped_column(Text)
    github_url: Mapped[str | None] = mapped_column(Text)
    live_url: Mapped[str | None] = mapped_column(Text)
    # Roles the team is looking for (docs/rules.md "Skills and matching"); the bits mirror
    # the array so the rankings compare them with bit operations.
    open_roles: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list,
                                                  server_default=text("'{}'"))
    open_role_bits: Mapped[str] = mapped_column(BIT(16), default="0" * 16,
                                                server_default=text(f"B'{'0' * 16}'"))
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now(),
                                                 onupdate=func.now())

    owner: Mapped[Profile] = relationship()
    # passive_deletes: the database removes members, the ORM does not load them first.
    # Named, not imported: teams.models imports this module (SQLAlchemy resolves the name).
    members: Mapped[list["ProjectMember"]] = relationship(  # noqa: F821
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True,
        order_by="ProjectMember.joined_at")
    # The pending ownership request (at most one), loaded with the project page's project.
    pending_ownership_request: Mapped["OwnershipRequest | None"] = relationship(  # noqa: F821
        primaryjoin="and_(OwnershipRequest.project_id == Project.id, "
                    "OwnershipRequest.status == 'pending')",
        viewonly=True, uselist=False)

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    def __repr__(self) -> str:
        return f"<Project {self.slug}>"


class EventProject(db.Model):
    """A project entered in an event, at most once per (event, project)."""

    __tablename__ = "event_projects"
    __table_args__ = (UniqueConstraint("event_id", "project_id"),
                      # the admin dashboard's recent activity (latest entries)
                      Index("ix_event_projects_submitted_at", "submitted_at"),
                      # an event page's entered projects, newest first, one page at a time
                      Index("ix_event_projects_event_id_submitted_at_project_id",
                            "event_id", "submitted_at", "project_id"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="RESTRICT"))
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    entered_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("profiles.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                   server_default=func.now())

    event: Mapped[Event] = relationship()
    project: Mapped[Project] = relationship()


class ProjectEvent(db.Model):
    """One line of a project's team history, shown to the owner.

    Actor and subject are name snapshots (the actor's id without a foreign key), so the
    history reads the same after someone deletes their account.
    """

    __tablename__ = "project_events"
    __table_args__ = (Index("ix_project_events_project_id_created_at",
                            "project_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    actor_profile_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_name: Mapped[str] = mapped_column(Text)
    kind: Mapped[ProjectEventKind] = mapped_column(project_event_kind_type)
    # Whom or what the action was about: the invitee, the removed member, the event.
    subject_name: Mapped[str | None] = mapped_column(Text)
    # Submission lines: {"event_id": …, "fields": [labels of the changed fields]}.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
