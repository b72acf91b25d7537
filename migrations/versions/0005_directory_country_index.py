"""The member directory's Country filter: a partial index on profiles.country.

Revision ID: 0005_directory_country_index
Revises: 0004_performance_indexes
Create Date: 2026-12-06

The filter lists only countries with visible builders, each with its count. The index
holds the directory's rows only (visible, with a username and a country), so the count
per country is an index-only scan of a small index rather than a pass over the table.
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_directory_country_index"
down_revision = "0004_performance_indexes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_profiles_country_directory", "profiles", ["country"],
                    postgresql_where=sa.text("hidden_at IS NULL AND banned_at IS NULL "
                                             "AND username IS NOT NULL AND country IS NOT NULL"))


def downgrade():
    op.drop_index("ix_profiles_country_directory", table_name="profiles")
