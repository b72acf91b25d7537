"""Fan-outs in parts: notification_fanouts gains part and stop, unique per (dedupe_key, part).

Revision ID: 0023_fanout_parts
Revises: 0022_media_storage
Create Date: 2026-12-06

A large fan-out can be written by several workers at once: its job splits the recipients'
profile-id space into FANOUT_PARTS ranges, one row (its own cursor, ``stop`` the last id of
its range) and one job each. The once-ever key stays the first part's: (dedupe_key, 0).
"""
import sqlalchemy as sa
from alembic import op

revision = "0023_fanout_parts"
down_revision = "0022_media_storage"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("notification_fanouts",
                  sa.Column("part", sa.SmallInteger(), server_default=sa.text("0"),
                            nullable=False))
    op.add_column("notification_fanouts", sa.Column("stop", sa.Uuid(), nullable=True))
    op.drop_constraint("uq_notification_fanouts_dedupe_key", "notification_fanouts",
                       type_="unique")
    op.create_unique_constraint("uq_notification_fanouts_dedupe_key_part",
                                "notification_fanouts", ["dedupe_key", "part"])


def downgrade():
    # Parts beyond the first go with their columns (a fan-out in flight then finishes
    # only its first range: downgrade between fan-outs).
    op.execute("DELETE FROM notification_fanouts WHERE part <> 0")
    op.drop_constraint("uq_notification_fanouts_dedupe_key_part", "notification_fanouts",
                       type_="unique")
    op.create_unique_constraint("uq_notification_fanouts_dedupe_key", "notification_fanouts",
                                ["dedupe_key"])
    op.drop_column("notification_fanouts", "stop")
    op.drop_column("notification_fanouts", "part")
