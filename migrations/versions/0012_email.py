"""Email: the outbox, per-type email preferences, and verified account addresses.

Revision ID: 0012_email
Revises: 0011_procrastinate
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_email"
down_revision = "0011_procrastinate"
branch_labels = None
depends_on = None

STATUS = sa.Enum("queued", "sent", "failed", "suppressed", name="email_status")


def upgrade():
    op.add_column("accounts", sa.Column("email_verified_at", sa.DateTime(timezone=True),
                                        nullable=True))
    op.create_table(
        "email_outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("notification_id", sa.BigInteger(), nullable=True),
        sa.Column("dedupe_key", sa.Text(), nullable=False),
        sa.Column("status", STATUS, server_default="queued", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("to_address", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=True),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("char_length(subject) <= 300",
                           name=op.f("ck_email_outbox_subject_length")),
        sa.ForeignKeyConstraint(["recipient_id"], ["profiles.id"], ondelete="CASCADE",
                                name=op.f("fk_email_outbox_recipient_id_profiles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_email_outbox_dedupe_key")),
    )
    op.create_index("ix_email_outbox_status_id", "email_outbox", ["status", "id"])
    op.create_index("ix_email_outbox_recipient_id", "email_outbox", ["recipient_id"])
    op.create_table(
        "notification_preferences",
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"], ondelete="CASCADE",
                                name=op.f("fk_notification_preferences_profile_id_profiles")),
        sa.PrimaryKeyConstraint("profile_id", "type", name=op.f("pk_notification_preferences")),
    )


def downgrade():
    op.drop_table("notification_preferences")
    op.drop_index("ix_email_outbox_recipient_id", table_name="email_outbox")
    op.drop_index("ix_email_outbox_status_id", table_name="email_outbox")
    op.drop_table("email_outbox")
    STATUS.drop(op.get_bind(), checkfirst=True)
    op.drop_column("accounts", "email_verified_at")
