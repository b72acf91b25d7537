"""Ownership transfer and succession: ownership_requests and the new enum values.

Revision ID: 0018_ownership
Revises: 0019_mentoring
Create Date: 2026-12-06

A member of a project whose owner has gone quiet during a live event can ask to take it
over; the request passes after OWNERSHIP_REQUEST_HOURS unless the owner keeps it. At most
one request is pending per project (partial unique index); the every-minute job reads the
due ones through a partial index on decide_by. Adds the history kinds of transfers,
succession and requests, and the ownership notification types.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018_ownership"
down_revision = "0019_mentoring"
branch_labels = None
depends_on = None

STATUSES = ("pending", "declined", "withdrawn", "transferred", "void")
NEW_HISTORY_KINDS = ("ownership_transferred", "ownership_passed", "ownership_succeeded",
                     "ownership_requested", "ownership_request_withdrawn",
                     "ownership_request_declined")
NEW_NOTIFICATION_TYPES = ("ownership_transferred", "ownership_requested",
                          "ownership_request_reminder", "ownership_request_declined")


def upgrade():
    status = postgresql.ENUM(*STATUSES, name="ownership_request_status", create_type=False)
    status.create(op.get_bind(), checkfirst=True)
    op.create_table(
        "ownership_requests",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("requester_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("status", status, server_default="pending", nullable=False),
        sa.Column("decide_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE",
                                name=op.f("fk_ownership_requests_project_id_projects")),
        sa.ForeignKeyConstraint(["requester_id"], ["profiles.id"], ondelete="CASCADE",
                                name=op.f("fk_ownership_requests_requester_id_profiles")),
        sa.ForeignKeyConstraint(["owner_id"], ["profiles.id"], ondelete="CASCADE",
                                name=op.f("fk_ownership_requests_owner_id_profiles")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE",
                                name=op.f("fk_ownership_requests_event_id_events")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ownership_requests")),
    )
    op.create_index("uq_ownership_requests_pending_project", "ownership_requests",
                    ["project_id"], unique=True, postgresql_where=sa.text("status = 'pending'"))
    op.create_index("ix_ownership_requests_pending_decide_by", "ownership_requests",
                    ["decide_by"], postgresql_where=sa.text("status = 'pending'"))
    op.create_index("ix_ownership_requests_requester_id", "ownership_requests",
                    ["requester_id"])
    op.create_index("ix_ownership_requests_owner_id", "ownership_requests", ["owner_id"])
    op.create_index("ix_ownership_requests_event_id", "ownership_requests", ["event_id"])
    # New values are not used in this transaction, so ADD VALUE may run inside it.
    for kind in NEW_HISTORY_KINDS:
        op.execute(f"ALTER TYPE project_event_kind ADD VALUE IF NOT EXISTS '{kind}'")
    for kind in NEW_NOTIFICATION_TYPES:
        op.execute(f"ALTER TYPE notification_type ADD VALUE IF NOT EXISTS '{kind}'")


def downgrade():
    # The enum values stay (PostgreSQL cannot drop them; upgrading adds them again with IF
    # NOT EXISTS), so history lines and notifications of these kinds keep their rows.
    op.drop_table("ownership_requests")
    sa.Enum(name="ownership_request_status").drop(op.get_bind(), checkfirst=True)
