"""Notifications: the notification_type enum, notifications and notification_fanouts.

Revision ID: 0013_notifications
Revises: 0012_email
Create Date: 2026-12-06

Builders hear in the app what concerns them (team invites and answers, members joining
and leaving, moderation of their projects, event status, the hackathon's moments). Large
audiences (an event's registrants) are written by a background job in batches, tracked
in notification_fanouts so a crash resumes and a second run adds nothing.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013_notifications"
down_revision = "0012_email"
branch_labels = None
depends_on = None

TYPES = ("team_invite", "invite_accepted", "invite_declined", "member_joined", "member_left",
         "member_removed", "project_hidden", "project_unhidden", "submission_made",
         "review_received", "judge_assigned", "results_published", "event_status")


def upgrade():
    kind = postgresql.ENUM(*TYPES, name="notification_type", create_type=False)
    kind.create(op.get_bind(), checkfirst=True)
    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column("type", kind, nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_name", sa.Text(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("count", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("dedupe_key", sa.Text(), nullable=True),
        sa.Column("group_key", sa.Text(), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.CheckConstraint("char_length(title) <= 100", name=op.f("ck_notifications_title_length")),
        sa.CheckConstraint("char_length(body) <= 140", name=op.f("ck_notifications_body_length")),
        sa.CheckConstraint("count >= 1", name=op.f("ck_notifications_count_positive")),
        sa.ForeignKeyConstraint(["recipient_id"], ["profiles.id"], ondelete="CASCADE",
                                name=op.f("fk_notifications_recipient_id_profiles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("recipient_id", "dedupe_key",
                            name=op.f("uq_notifications_recipient_id_dedupe_key")),
    )
    op.create_index("ix_notifications_recipient_id_created_at_id", "notifications",
                    ["recipient_id", sa.text("created_at DESC"), sa.text("id DESC")])
    op.create_index("ix_notifications_unread", "notifications", ["recipient_id"],
                    postgresql_where=sa.text("read_at IS NULL"))
    op.create_index("uq_notifications_unread_group", "notifications",
                    ["recipient_id", "group_key"], unique=True,
                    postgresql_where=sa.text("read_at IS NULL"))
    op.create_index("ix_notifications_subject_id", "notifications", ["subject_id"])
    op.create_index("ix_notifications_project_id", "notifications", ["project_id"])
    op.create_table(
        "notification_fanouts",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("type", kind, nullable=False),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("dedupe_key", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_name", sa.Text(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("cursor", sa.Uuid(), nullable=True),
        sa.Column("sent", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_fanouts")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notification_fanouts_dedupe_key")),
    )


def downgrade():
    op.drop_table("notification_fanouts")
    op.drop_table("notifications")
    sa.Enum(name="notification_type").drop(op.get_bind(), checkfirst=True)
