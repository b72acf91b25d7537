"""Indexes for a million builders: the hidden and the banned builders, each in a small
partial index; the event page's counts from two covering indexes.

Revision ID: 0021_scale_indexes
Revises: 0023_fanout_parts
Create Date: 2026-12-06

The admin user list's Hidden and Banned tabs (their bounded counts and their pages, with
or without a search) read these few rows (1–2 % of builders) newest first, instead of
every builder matching the search: "ana" matches 86,000 of a million builders, so counting
the hidden ones among them read 35,000 heap pages (415 ms); the partial index holds the
10,000 hidden builders.

The event page counts its sign-ups (solo, team, looking, countries) over its visible
registrants: with 320,000 registrants that joined them to a sequential scan of every
profile (2.6 s). Covering indexes make it a join of two index-only scans (0.4 s; the counts
are also cached).
"""
from alembic import op

revision = "0021_scale_indexes"
down_revision = "0023_fanout_parts"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE INDEX ix_profiles_hidden ON profiles (created_at DESC, id DESC) "
               "WHERE hidden_at IS NOT NULL")
    op.execute("CREATE INDEX ix_profiles_banned ON profiles (created_at DESC, id DESC) "
               "WHERE banned_at IS NOT NULL")
    op.execute("CREATE INDEX ix_profiles_visible_country ON profiles (id) INCLUDE (country) "
               "WHERE hidden_at IS NULL AND banned_at IS NULL")
    op.execute("CREATE INDEX ix_event_registrations_stats ON event_registrations "
               "(event_id, profile_id) INCLUDE (team_preference)")


def downgrade():
    op.execute("DROP INDEX ix_event_registrations_stats")
    op.execute("DROP INDEX ix_profiles_visible_country")
    op.execute("DROP INDEX ix_profiles_banned")
    op.execute("DROP INDEX ix_profiles_hidden")
