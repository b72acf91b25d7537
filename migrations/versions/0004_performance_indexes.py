"""Indexes for the hot pages at 100k builders (docs/architecture.md "Quality bars").

Revision ID: 0004_performance_indexes
Revises: 0003_admin_activity_indexes
Create Date: 2026-11-22

* event_projects (event_id, submitted_at, project_id): an event page lists its entered
  projects newest first, 24 at a time; with this index PostgreSQL reads the page in order
  and stops, instead of joining every entry of the event and sorting.
* profiles (role, hidden_at, banned_at): the admin user list filters by role, and its
  status tabs count All / Active / Hidden / Banned; both read this small index only
  (750 kB at 100k builders) instead of the table.
"""
from alembic import op

revision = "0004_performance_indexes"
down_revision = "0003_admin_activity_indexes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_event_projects_event_id_submitted_at_project_id", "event_projects",
                    ["event_id", "submitted_at", "project_id"])
    op.create_index("ix_profiles_role_hidden_at_banned_at", "profiles",
                    ["role", "hidden_at", "banned_at"])


def downgrade():
    op.drop_index("ix_profiles_role_hidden_at_banned_at", table_name="profiles")
    op.drop_index("ix_event_projects_event_id_submitted_at_project_id",
                  table_name="event_projects")
