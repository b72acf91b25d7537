"""The admin audit log: one append-only row per moderation or admin action (docs/rules.md "Moderation").

``record`` is the only writer. Actor and target are stored as plain ids plus name
snapshots, so the log still reads correctly after a profile is deleted. Rows are never
updated or deleted: the ORM refuses to flush either.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, Index, Text, Uuid, event, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

from buildstory.db import db

if TYPE_CHECKING:
    from buildstory.profiles.models import Profile


class AuditLog(db.Model):
    """One moderation or admin action: who, what, to whom, details, when."""

    __tablename__ = "admin_audit_log"
    __table_args__ = (
        Index("ix_admin_audit_log_action_created_at", "action", "created_at"),
        Index("ix_admin_audit_log_actor_profile_id_created_at",
              "actor_profile_id", "created_at"),
        Index("ix_admin_audit_log_target_profile_id_created_at",
              "target_profile_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True,
                                          server_default=func.gen_random_uuid())
    # Null actor: the action came from the CLI.
    actor_profile_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_name: Mapped[str | None] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    target_profile_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    target_name: Mapped[str | None] = mapped_column(Text)
    # "metadata" is reserved on declarative classes, hence the attribute name.
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, default=dict,
                                                 server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True,
                                                 server_default=func.now())


def name_snapshot(profile: Profile | None) -> str | None:
    """Return "Display Name (@username)", or just the display name, or None."""
    if profile is None:
        return None
    if profile.username:
        return f"{profile.display_name} (@{profile.username})"
    return profile.display_name


def _jsonable(value: Any) -> Any:
    """Return ``value`` with ids, times and enums turned into JSON strings."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        return str(value)  # plain str, also for StrEnum members
    return value


def record(session: Session, actor: Profile | None, action: str,
           target: Profile | None = None, **metadata: Any) -> AuditLog:
    """Add and flush one audit row in the caller's transaction (never commits)."""
    session.flush()  # a profile created in this transaction needs its id first
    row = AuditLog(
        actor_profile_id=actor.id if actor is not None else None,
        actor_name=name_snapshot(actor),
        action=action,
        target_profile_id=target.id if target is not None else None,
        target_name=name_snapshot(target),
        meta=_jsonable(metadata),
    )
    session.add(row)
    session.flush()
    return row


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit row."""


@event.listens_for(AuditLog, "before_update")
@event.listens_for(AuditLog, "before_delete")
def _refuse_changes(mapper, connection, target):
    raise AuditLogIsAppendOnly(f"admin_audit_log rows are append-only ({target.id})")
