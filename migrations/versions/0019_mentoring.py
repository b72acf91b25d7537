"""Mentoring: mentors, mentor claim links, help requests.

Revision ID: 0019_mentoring
Revises: 0020_reports
Create Date: 2026-12-06

A mentor is a capability (a ``mentors`` row), granted by an admin or claimed through a
single-use link whose SHA-256 is kept on the mentor application. Teams of a live event
ask mentors for help in ``help_requests``: the partial unique index keeps one open or
claimed request per project, the partial queue index serves the mentors' queue. Adds the
notification types of mentoring and help requests.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0019_mentoring"
down_revision = "0020_reports"
branch_labels = None
depends_on = None

NEW_NOTIFICATION_TYPES = ("mentor_granted", "help_request_opened", "help_request_claimed",
                          "help_request_released", "help_request_resolved",
                          "help_request_cancelled")


def upgrade():
    bind = op.get_bind()
    kind = postgresql.ENUM("design", "technical", "growth", name="help_kind",
                           create_type=False)
    status = postgresql.ENUM("open", "claimed", "resolved", "cancelled",
                             name="help_request_status", create_type=False)
    for enum in (kind, status):
        enum.create(bind, checkfirst=True)

    op.add_column("mentor_applications", sa.Column("claim_token_hash", sa.Text(), nullable=True))
    op.add_column("mentor_applications",
                  sa.Column("claim_expires_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("mentor_applications", sa.Column("claimed_profile_id", sa.Uuid(), nullable=True))
    op.add_column("mentor_applications",
                  sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_unique_constraint(op.f("uq_mentor_applications_claim_token_hash"),
                                "mentor_applications", ["claim_token_hash"])
    op.create_foreign_key(op.f("fk_mentor_applications_claimed_profile_id_profiles"),
                          "mentor_applications", "profiles", ["claimed_profile_id"], ["id"],
                          ondelete="SET NULL")

    op.create_table(
        "mentors",
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_types", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=True),
        sa.Column("granted_by", sa.Uuid(), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("cardinality(mentor_types) > 0 AND mentor_types <@ "
                           "ARRAY['design', 'technical', 'growth']::text[]",
                           name=op.f("ck_mentors_mentor_types_valid")),
        sa.ForeignKeyConstraint(["application_id"], ["mentor_applications.id"],
                                ondelete="SET NULL",
                                name=op.f("fk_mentors_application_id_mentor_applications")),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"], ondelete="CASCADE",
                                name=op.f("fk_mentors_profile_id_profiles")),
        sa.PrimaryKeyConstraint("profile_id", name=op.f("pk_mentors")),
    )

    op.create_table(
        "help_requests",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("opened_by", sa.Uuid(), nullable=True),
        sa.Column("kind", kind, nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("meeting_url", sa.Text(), nullable=True),
        sa.Column("status", status, server_default="open", nullable=False),
        sa.Column("mentor_id", sa.Uuid(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.Uuid(), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("rating_note", sa.Text(), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.CheckConstraint("char_length(topic) BETWEEN 1 AND 120",
                           name=op.f("ck_help_requests_topic_length")),
        sa.CheckConstraint("char_length(details) BETWEEN 1 AND 1000",
                           name=op.f("ck_help_requests_details_length")),
        sa.CheckConstraint("char_length(rating_note) <= 500",
                           name=op.f("ck_help_requests_rating_note_length")),
        sa.CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5 AND status = 'resolved')",
                           name=op.f("ck_help_requests_rating_valid")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE",
                                name=op.f("fk_help_requests_event_id_events")),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE",
                                name=op.f("fk_help_requests_project_id_projects")),
        sa.ForeignKeyConstraint(["opened_by"], ["profiles.id"], ondelete="SET NULL",
                                name=op.f("fk_help_requests_opened_by_profiles")),
        sa.ForeignKeyConstraint(["mentor_id"], ["profiles.id"], ondelete="SET NULL",
                                name=op.f("fk_help_requests_mentor_id_profiles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_requests")),
    )
    op.create_index("uq_help_requests_project_active", "help_requests", ["project_id"],
                    unique=True, postgresql_where=sa.text("status IN ('open', 'claimed')"))
    op.create_index("ix_help_requests_queue", "help_requests", ["event_id", "kind", "created_at"],
                    postgresql_where=sa.text("status = 'open' AND hidden_at IS NULL"))
    op.create_index("ix_help_requests_event_id", "help_requests", ["event_id"])
    op.create_index("ix_help_requests_mentor_id_status", "help_requests", ["mentor_id", "status"])

    # New values are not used in this transaction, so ADD VALUE may run inside it.
    for value in NEW_NOTIFICATION_TYPES:
        op.execute(f"ALTER TYPE notification_type ADD VALUE IF NOT EXISTS '{value}'")


def downgrade():
    # notification_type keeps its values: PostgreSQL cannot drop enum values, no row uses
    # them once these are deleted, and upgrading adds them with IF NOT EXISTS.
    listed = ", ".join(f"'{v}'" for v in NEW_NOTIFICATION_TYPES)
    op.execute(f"DELETE FROM notifications WHERE type::text IN ({listed})")
    op.execute(f"DELETE FROM notification_fanouts WHERE type::text IN ({listed})")
    op.drop_table("help_requests")
    op.drop_table("mentors")
    op.drop_constraint(op.f("fk_mentor_applications_claimed_profile_id_profiles"),
                       "mentor_applications", type_="foreignkey")
    op.drop_constraint(op.f("uq_mentor_applications_claim_token_hash"), "mentor_applications",
                       type_="unique")
    for column in ("claimed_at", "claimed_profile_id", "claim_expires_at", "claim_token_hash"):
        op.drop_column("mentor_applications", column)
    bind = op.get_bind()
    for name in ("help_request_status", "help_kind"):
        sa.Enum(name=name).drop(bind, checkfirst=True)
