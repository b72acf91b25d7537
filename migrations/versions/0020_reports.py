"""Reports: builders report content to moderators.

Revision ID: 0020_reports
Revises: 0017_team_matching
Create Date: 2026-12-06

``report_target_kind`` already holds every kind reports will cover (roadmap ideas and
comments, help requests), so registering those later needs no ALTER TYPE. The partial
unique index keeps one open report per reporter and target under any race.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0020_reports"
down_revision = "0017_team_matching"
branch_labels = None
depends_on = None

KINDS = ("profile", "project", "post", "post_comment", "review", "roadmap_item",
         "roadmap_comment", "help_request")
REASONS = ("spam", "abuse", "off_topic", "other")
STATUSES = ("open", "resolved", "dismissed")


def upgrade():
    bind = op.get_bind()
    kind = postgresql.ENUM(*KINDS, name="report_target_kind", create_type=False)
    reason = postgresql.ENUM(*REASONS, name="report_reason", create_type=False)
    status = postgresql.ENUM(*STATUSES, name="report_status", create_type=False)
    for enum in (kind, reason, status):
        enum.create(bind, checkfirst=True)
    op.create_table(
        "reports",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("reporter_id", sa.Uuid(), nullable=False),
        sa.Column("target_kind", kind, nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("reason", reason, nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("status", status, server_default="open", nullable=False),
        sa.Column("resolved_by", sa.Uuid(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.CheckConstraint("char_length(details) <= 500",
                           name=op.f("ck_reports_details_length")),
        sa.ForeignKeyConstraint(["reporter_id"], ["profiles.id"], ondelete="CASCADE",
                                name=op.f("fk_reports_reporter_id_profiles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    )
    op.create_index("uq_reports_one_open", "reports", ["reporter_id", "target_kind", "target_id"],
                    unique=True, postgresql_where=sa.text("status = 'open'"))
    op.create_index("ix_reports_status_created_at", "reports", ["status", "created_at"])
    op.create_index("ix_reports_target", "reports", ["target_kind", "target_id"])
    op.create_index("ix_reports_reporter_id_created_at", "reports", ["reporter_id", "created_at"])


def downgrade():
    op.drop_index("ix_reports_reporter_id_created_at", table_name="reports")
    op.drop_index("ix_reports_target", table_name="reports")
    op.drop_index("ix_reports_status_created_at", table_name="reports")
    op.drop_index("uq_reports_one_open", table_name="reports")
    op.drop_table("reports")
    for name in ("report_status", "report_reason", "report_target_kind"):
        op.execute(f"DROP TYPE {name}")
