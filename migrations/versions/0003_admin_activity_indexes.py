"""Indexes for the admin dashboard's recent activity: newest registrations, entries, joins.

Revision ID: 0003_admin_activity_indexes
Revises: 0002_project_search
Create Date: 2026-11-22

Each part of the activity union is "ORDER BY <time> DESC LIMIT n"; these indexes let it
read the newest rows instead of sorting whole tables.
"""
from alembic import op

revision = "0003_admin_activity_indexes"
down_revision = "0002_project_search"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_event_registrations_registered_at", "event_registrations",
                    ["registered_at"])
    op.create_index("ix_event_projects_submitted_at", "event_projects", ["submitted_at"])
    op.create_index("ix_project_members_joined_at", "project_members", ["joined_at"])


def downgrade():
    op.drop_index("ix_project_members_joined_at", table_name="project_members")
    op.drop_index("ix_event_projects_submitted_at", table_name="event_projects")
    op.drop_index("ix_event_registrations_registered_at", table_name="event_registrations")
