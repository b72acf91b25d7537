"""Webhooks: endpoints, deliveries and announced milestones.

Revision ID: 0014_webhooks
Revises: 0013_notifications
Create Date: 2026-12-06

Admins add up to 20 endpoints that hear public moments (a project created, a builder
milestone…); each event becomes one delivery per subscribed endpoint, sent by the
worker. A milestone is recorded once per (series, scope, value), which is what makes
each one announced exactly once however many workers run.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014_webhooks"
down_revision = "0013_notifications"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("format", sa.Text(), nullable=False),
        sa.Column("events", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), server_default=sa.text("0"),
                  nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.CheckConstraint("char_length(name) BETWEEN 1 AND 100",
                           name=op.f("ck_webhook_endpoints_name_length")),
        sa.CheckConstraint("char_length(url) <= 2000",
                           name=op.f("ck_webhook_endpoints_url_length")),
        sa.CheckConstraint("format IN ('discord', 'json')",
                           name=op.f("ck_webhook_endpoints_format_valid")),
        sa.CheckConstraint("cardinality(events) > 0",
                           name=op.f("ck_webhook_endpoints_events_not_empty")),
        sa.CheckConstraint("consecutive_failures >= 0",
                           name=op.f("ck_webhook_endpoints_failures_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("endpoint_id", sa.Uuid(), nullable=False),
        sa.Column("event", sa.Text(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("dedupe_key", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="queued", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'succeeded', 'failed', 'skipped')",
                           name=op.f("ck_webhook_deliveries_status_valid")),
        sa.ForeignKeyConstraint(["endpoint_id"], ["webhook_endpoints.id"], ondelete="CASCADE",
                                name=op.f("fk_webhook_deliveries_endpoint_id_webhook_endpoints")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint("endpoint_id", "dedupe_key",
                            name=op.f("uq_webhook_deliveries_endpoint_id_dedupe_key")),
    )
    op.create_index("ix_webhook_deliveries_endpoint_id_created_at", "webhook_deliveries",
                    ["endpoint_id", "created_at"])
    op.create_index("ix_webhook_deliveries_status_created_at", "webhook_deliveries",
                    ["status", "created_at"])
    op.create_table(
        "milestones",
        sa.Column("series", sa.Text(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.PrimaryKeyConstraint("series", "scope", "value", name=op.f("pk_milestones")),
    )


def downgrade():
    op.drop_table("milestones")
    op.drop_index("ix_webhook_deliveries_status_created_at", table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_endpoint_id_created_at",
                  table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_endpoints")
